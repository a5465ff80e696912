// The link rules of ingest/page_chain.h as a table: two pages (offset, count,
// stones), the verdict, and why.
#include "ingest/page_chain.h"

#include <gtest/gtest.h>

namespace di::ingest {
namespace {

// Stones named by their place in the first read: "s<place>".
PageView Page(int64_t offset, int64_t count, int64_t first, int64_t n) {
  PageView p{offset, count, {}};
  for (int64_t i = 0; i < n; ++i) p.ids.push_back("s" + std::to_string(first + i));
  return p;
}

struct Row {
  const char* why;
  PageView lower, upper;
  Link shrinking, growing;
};

TEST(PageChainTest, LinkTable) {
  const Row rows[] = {
      {"same state, overlapping by one: contiguous", Page(0, 200, 0, 50), Page(49, 200, 49, 50), Link::kLinked,
       Link::kLinked},
      {"same state, other stones at the shared place: unstable order", Page(0, 200, 0, 50), Page(49, 200, 99, 50),
       Link::kUnstable, Link::kGap},
      {"upper read earlier (larger count), windows touch", Page(0, 190, 0, 50), Page(50, 200, 60, 50), Link::kLinked,
       Link::kGap},
      {"upper read later after 1 removal, overlap 1", Page(0, 200, 0, 50), Page(49, 199, 51, 50), Link::kLinked,
       Link::kGap},
      {"upper read later after 3 removals, overlap 1", Page(0, 200, 0, 50), Page(49, 197, 53, 50), Link::kGap,
       Link::kGap},
      {"a shared stone links whatever the counts", Page(0, 200, 0, 50), Page(49, 150, 40, 50), Link::kLinked,
       Link::kLinked},
      {"short lower page, same state: a gap to fill", Page(0, 200, 0, 20), Page(49, 200, 49, 50), Link::kGap,
       Link::kGap},
      {"lower page reaches the end of its set", Page(0, 30, 0, 30), Page(49, 200, 120, 50), Link::kLinked,
       Link::kLinked},
      {"empty lower page past the end", Page(100, 90, 0, 0), Page(149, 95, 200, 0), Link::kLinked, Link::kLinked},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(LinkShrinking(r.lower, r.upper), r.shrinking) << "shrinking: " << r.why;
    EXPECT_EQ(LinkGrowing(r.lower, r.upper), r.growing) << "growing: " << r.why;
  }
}

TEST(PageChainTest, BridgeTable) {
  struct B {
    const char* why;
    PageView lower, upper;
    int64_t latest;
    int64_t at;
  };
  const B rows[] = {
      {"short page: the fill starts at its last stone", Page(0, 200, 0, 20), Page(49, 200, 49, 50), 200, 19},
      {"3 removals since the lower read: 3 places further down", Page(0, 200, 0, 50), Page(49, 197, 53, 50), 197, 46},
      {"never below upper - limit, so a full bridge reaches upper", Page(0, 400, 0, 50), Page(49, 300, 0, 50), 300, 0},
      {"never below offset 0", Page(0, 200, 0, 5), Page(10, 100, 0, 50), 100, 0},
  };
  for (const B& r : rows) EXPECT_EQ(BridgeShrinking(r.lower, r.upper, r.latest, 50), r.at) << r.why;
  EXPECT_EQ(BridgeGrowing(Page(98, 500, 0, 50)), 146);
  EXPECT_EQ(BridgeGrowing(Page(0, 500, 0, 1)), 0);
}

}  // namespace
}  // namespace di::ingest

#include "ingest/order_choice.h"

namespace di::ingest {
namespace {

TEST(OrderChoiceTest, ProbeTable) {
  struct P {
    const char* why;
    PageView a, b;
    ProbeVerdict verdict;
  };
  const P rows[] = {
      {"same stones, same places", Page(0, 90, 0, 50), Page(0, 90, 0, 50), ProbeVerdict::kStable},
      {"one read short: a prefix of the other", Page(0, 90, 0, 50), Page(0, 90, 0, 17), ProbeVerdict::kStable},
      {"same state, other stones first", Page(0, 90, 0, 50), Page(0, 90, 1, 50), ProbeVerdict::kUnstable},
      {"the set changed between the reads", Page(0, 90, 0, 50), Page(0, 89, 1, 50), ProbeVerdict::kInconclusive},
      {"one stone: nothing to compare", Page(0, 1, 0, 1), Page(0, 1, 0, 1), ProbeVerdict::kInconclusive},
  };
  for (const P& r : rows) EXPECT_EQ(CompareProbe(r.a, r.b), r.verdict) << r.why;
}

TEST(OrderChoiceTest, RulingOutMovesToTheNextCandidate) {
  OrderChoice choice;
  EXPECT_EQ(OrderName(*choice.Current()), "insert ASC");
  EXPECT_FALSE(choice.Confirmed());
  choice.RuleOut({"insert", nivoda::Direction::kAsc}, "ties");
  EXPECT_EQ(OrderName(*choice.Current()), "none");
  choice.Confirm({"none", nivoda::Direction::kAsc}, "probe");
  EXPECT_TRUE(choice.Confirmed());
  choice.RuleOut({"none", nivoda::Direction::kAsc}, "overlap");
  EXPECT_FALSE(choice.Current().has_value());
  EXPECT_NE(choice.Summary().find("insert ASC: ruled out (ties)"), std::string::npos) << choice.Summary();
}

}  // namespace
}  // namespace di::ingest
