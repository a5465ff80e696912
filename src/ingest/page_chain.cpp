#include "ingest/page_chain.h"

#include <algorithm>
#include <unordered_set>

namespace di::ingest {
namespace {

bool ShareAStone(const PageView& a, const PageView& b) {
  std::unordered_set<std::string> in_a(a.ids.begin(), a.ids.end());
  return std::any_of(b.ids.begin(), b.ids.end(), [&](const std::string& id) { return in_a.count(id) > 0; });
}

}  // namespace

Link LinkShrinking(const PageView& lower, const PageView& upper) {
  if (lower.count == upper.count) {
    // One set, read twice: the places both windows cover hold the same stones.
    for (int64_t at = upper.offset; at < std::min(lower.end(), upper.end()); ++at) {
      if (lower.ids[static_cast<size_t>(at - lower.offset)] != upper.ids[static_cast<size_t>(at - upper.offset)]) {
        return Link::kUnstable;
      }
    }
  }
  if (lower.reaches_end() || ShareAStone(lower, upper)) return Link::kLinked;
  const int64_t overlap = lower.end() - upper.offset;
  // UPPER read no later: places only moved down since, so nothing passed
  // between the windows. UPPER read later: a stone moved down at most by the
  // removals between the two reads.
  const int64_t removals = std::max<int64_t>(0, lower.count - upper.count);
  return overlap >= removals ? Link::kLinked : Link::kGap;
}

Link LinkGrowing(const PageView& lower, const PageView& upper) {
  return lower.reaches_end() || ShareAStone(lower, upper) ? Link::kLinked : Link::kGap;
}

int64_t BridgeShrinking(const PageView& lower, const PageView& upper, int64_t latest_count, int limit) {
  const int64_t moved = std::max<int64_t>(0, lower.count - latest_count);
  int64_t at = std::max(upper.offset - limit, lower.end() - 1 - moved);
  return std::clamp<int64_t>(at, 0, std::max<int64_t>(0, upper.offset - 1));
}

int64_t BridgeGrowing(const PageView& lower) { return std::max<int64_t>(0, lower.end() - 2); }

}  // namespace di::ingest
