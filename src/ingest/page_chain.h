// PageChain: when do two offset pages of one query, read at different times,
// leave no stone between them unread? Pure logic; see src/ingest/README.md
// ("Paging that loses nothing") for the argument.
//
// Every page comes with the count of its query from the same request (the
// vendor evaluates both together), and pages are taken in an order in which the
// stones keep their relative places between calls (a stable order). Then:
// - a *shrinking* set (a window ending in the past: `updated <= T`) loses
//   stones but never gains one, so a larger count means an earlier read, and a
//   stone's place only moves down over time;
// - a *growing* set (`updated >= T`, no end) gains stones anywhere and loses
//   the few the vendor deletes; only shared stones link its pages.
// A "survivor" is a stone in the set for the whole pass: the links below
// guarantee every survivor is read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace di::ingest {

// What the chain needs of one answered page.
struct PageView {
  int64_t offset = 0;
  int64_t count = 0;             // the query's count, read with the page
  std::vector<std::string> ids;  // the items' identities, in the order served
  int64_t read = 0;              // which read this was (a later read of an offset replaces it)
  int64_t end() const { return offset + static_cast<int64_t>(ids.size()); }
  // No stone after this page's window: the set ended inside or before it.
  bool reaches_end() const { return end() >= count; }
};

enum class Link {
  kLinked,    // no survivor lies between the two pages
  kGap,       // survivors may lie between them: read a bridge page
  kUnstable,  // the two pages saw one set in two different orders
};

// LOWER and UPPER (LOWER.offset < UPPER.offset) of a shrinking set, where
// every survivor from UPPER's window upwards was read. Linked when LOWER
// reaches the end; or they share a stone (contiguity); or UPPER was read no
// later (count at least LOWER's) and LOWER's window reaches UPPER's start; or
// UPPER was read later after d removals and the windows overlap by >= d.
// kUnstable when both saw the same set (equal counts) and the overlapping
// places hold different stones.
Link LinkShrinking(const PageView& lower, const PageView& upper);

// LOWER and UPPER of a growing set, where every survivor up to LOWER's window
// was read: linked when LOWER reaches the end or they share a stone.
Link LinkGrowing(const PageView& lower, const PageView& upper);

// The offset of a bridge page for a gap between LOWER and UPPER of a shrinking
// set, read now while the set counts LATEST_COUNT: it starts where LOWER's last
// stone is now (at most LOWER.count - LATEST_COUNT places lower), and no lower
// than UPPER.offset - LIMIT, so a full bridge reaches UPPER.
int64_t BridgeShrinking(const PageView& lower, const PageView& upper, int64_t latest_count, int limit);

// The offset of a bridge above LOWER in a growing set: two places before
// LOWER's end, so the bridge overlaps LOWER even after a removal.
int64_t BridgeGrowing(const PageView& lower);

}  // namespace di::ingest
