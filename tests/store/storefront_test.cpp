// The storefront's page statements (store/storefront.h) on 300,000 `diamonds`
// rows shaped like the inventory: every query shape a storefront sends is
// served from the storefront indexes (no Seq Scan on diamonds, no sort of more
// than a page per walk) and returns exactly what a brute-force filter and sort of
// every row returns.
#include "store/storefront.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "storefront_rows.h"
#include "test_database.h"

namespace di::store {
namespace {

// A sort may order at most one page (and the rows OFFSET skips) per walk: one
// walk per shape (or one for any shape) and carat band (16 bands).
double MaxSortedRows(const StorefrontSearch& s) {
  return static_cast<double>(std::max<size_t>(1, s.shapes.size()) * 16 * (s.offset + kStorefrontPageSize));
}

struct Row {
  int64_t id = 0;
  std::string feed, status, availability, shape, color, clarity;
  long carat_hundredths = 0;
  int64_t price_cents = 0;
};

long Hundredths(double carats) { return std::lround(carats * 100); }

bool In(const std::vector<std::string>& set, const std::string& v) {
  return set.empty() || std::find(set.begin(), set.end(), v) != set.end();
}

// What SEARCH must return, from every row, by hand.
std::vector<int64_t> BruteForce(const std::vector<Row>& rows, const StorefrontSearch& s) {
  std::vector<const Row*> hits;
  for (const Row& r : rows) {
    if (r.feed != s.feed || r.status != "active" || r.availability != "available") continue;
    if (!In(s.shapes, r.shape) || !In(s.colors, r.color) || !In(s.clarities, r.clarity)) continue;
    if (s.carats && (r.carat_hundredths < Hundredths(s.carats->first) ||
                     r.carat_hundredths > Hundredths(s.carats->second))) {
      continue;
    }
    if (s.price_cents && (r.price_cents < s.price_cents->first || r.price_cents > s.price_cents->second)) continue;
    if (s.after) {
      const auto key = std::make_pair(r.price_cents, r.id);
      if (s.descending ? !(key < *s.after) : !(key > *s.after)) continue;
    }
    hits.push_back(&r);
  }
  std::sort(hits.begin(), hits.end(), [&s](const Row* a, const Row* b) {
    const auto ka = std::make_pair(a->price_cents, a->id), kb = std::make_pair(b->price_cents, b->id);
    return s.descending ? kb < ka : ka < kb;
  });
  std::vector<int64_t> ids;
  for (size_t i = static_cast<size_t>(s.offset); i < hits.size() && ids.size() < kStorefrontPageSize; ++i) {
    ids.push_back(hits[i]->id);
  }
  return ids;
}

StorefrontSearch Search(const std::string& feed) {
  StorefrontSearch s;
  s.feed = feed;
  return s;
}

// The query shapes of docs/SCHEMA.md ("Storefront reads"), broad and narrow.
std::vector<std::pair<std::string, StorefrontSearch>> Shapes() {
  std::vector<std::pair<std::string, StorefrontSearch>> out;
  auto add = [&out](std::string name, StorefrontSearch s) { out.emplace_back(std::move(name), std::move(s)); };
  StorefrontSearch s = Search("natural");
  add("every natural stone by price", s);
  s.shapes = {"ROUND"};
  add("all round, page 1", s);
  s.descending = true;
  add("all round, dearest first", s);
  s = Search("labgrown");
  s.shapes = {"HEART"};
  s.colors = {"D", "E"};
  s.clarities = {"FL", "IF", "VVS1"};
  add("rare shape, top grades, no carats", s);
  s = Search("labgrown");
  s.shapes = {"ROUND"};
  s.carats = {{1.0, 1.49}};
  add("round 1.00-1.49 ct", s);
  s.colors = {"E", "F", "G"};
  s.clarities = {"VS1", "VS2"};
  s.price_cents = {{150000, 400000}};
  add("round 1.00-1.49 ct, grades, price range", s);
  s = Search("natural");
  s.carats = {{0.5, 2.99}};
  add("any shape 0.50-2.99 ct", s);
  s.descending = true;
  add("any shape 0.50-2.99 ct, dearest first", s);
  s = Search("natural");
  s.shapes = {"OVAL", "PEAR", "EMERALD"};
  s.carats = {{0.7, 1.2}};
  s.colors = {"G", "H", "I"};
  add("three shapes 0.70-1.20 ct", s);
  s.carats = {{0.5, 2.49}};
  add("three shapes 0.50-2.49 ct", s);
  s = Search("labgrown");
  s.price_cents = {{50000, 90000}};
  s.colors = {"D", "E", "F"};
  add("price range only", s);
  s = Search("labgrown");
  s.shapes = {"ROUND"};
  s.offset = 5000;
  add("all round, offset 5000", s);
  s = Search("natural");
  s.shapes = {"ROUND"};
  s.carats = {{0.9, 1.99}};
  s.offset = 2000;
  add("round 0.90-1.99 ct, offset 2000", s);
  return out;
}

class StorefrontTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new testing::TestDatabase(testing::TestDatabase::Create());
    conn_ = db_->Connect().release();
    ASSERT_TRUE(testing::LoadStorefrontRows(*conn_, 100000, 200000).ok());
    auto r = conn_->Exec(
        "SELECT id, feed, status, availability, shape, carats, color, clarity, price_cents FROM diamonds");
    ASSERT_TRUE(r.ok());
    rows_ = new std::vector<Row>();
    for (int i = 0; i < r->rows(); ++i) {
      rows_->push_back({r->GetInt64(i, 0), r->GetString(i, 1), r->GetString(i, 2), r->GetString(i, 3),
                        r->GetString(i, 4), r->GetString(i, 6), r->GetString(i, 7), Hundredths(r->GetDouble(i, 5)),
                        r->GetInt64(i, 8)});
    }
  }
  static void TearDownTestSuite() {
    delete conn_;
    delete db_;
    delete rows_;
  }

  static std::vector<int64_t> Ids(const StorefrontSearch& s) {
    auto r = RunStorefrontSearch(*conn_, s);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<int64_t> ids;
    if (r.ok()) {
      for (int i = 0; i < r->rows(); ++i) ids.push_back(r->GetInt64(i, 0));
    }
    return ids;
  }

  static testing::TestDatabase* db_;
  static pg::Connection* conn_;
  static std::vector<Row>* rows_;
};

testing::TestDatabase* StorefrontTest::db_ = nullptr;
pg::Connection* StorefrontTest::conn_ = nullptr;
std::vector<Row>* StorefrontTest::rows_ = nullptr;

// Appends to PROBLEMS what in plan NODE (EXPLAIN ANALYZE, JSON) is a scan of
// the whole table or a sort of more than a page per walk; counts the scans of
// storefront indexes.
void Inspect(const nlohmann::json& node, double max_sorted, std::vector<std::string>* problems,
             int* storefront_scans) {
  const std::string type = node.value("Node Type", "");
  if (type == "Seq Scan" && node.value("Relation Name", "") == "diamonds") problems->push_back("Seq Scan on diamonds");
  if (node.value("Index Name", "").rfind("diamonds_storefront_", 0) == 0) ++*storefront_scans;
  if (type == "Sort" && node.contains("Plans")) {
    const nlohmann::json& input = node["Plans"][0];
    const double rows = input.value("Actual Rows", 0.0) * input.value("Actual Loops", 1.0);
    if (rows > max_sorted) problems->push_back("Sort of " + std::to_string(static_cast<int64_t>(rows)) + " rows");
  }
  if (node.contains("Plans")) {
    for (const auto& child : node["Plans"]) Inspect(child, max_sorted, problems, storefront_scans);
  }
}

TEST_F(StorefrontTest, EveryQueryShapeIsServedFromAnIndex) {
  for (const auto& [name, search] : Shapes()) {
    const StorefrontStatement st = StorefrontPageSql(search);
    auto r = conn_->Exec("EXPLAIN (ANALYZE, FORMAT JSON) " + st.sql, st.params);
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    const auto plan = nlohmann::json::parse(r->GetString(0, 0))[0]["Plan"];
    std::vector<std::string> problems;
    int storefront_scans = 0;
    Inspect(plan, MaxSortedRows(search), &problems, &storefront_scans);
    EXPECT_TRUE(problems.empty()) << name << ": " << problems.front() << "\n" << plan.dump(1);
    EXPECT_GT(storefront_scans, 0) << name << ": no storefront index scanned\n" << plan.dump(1);
  }
}

TEST_F(StorefrontTest, PagesEqualABruteForceFilterAndSort) {
  for (const auto& [name, search] : Shapes()) {
    const std::vector<int64_t> expected = BruteForce(*rows_, search);
    EXPECT_FALSE(expected.empty()) << name << ": the data has no match (a test that proves nothing)";
    EXPECT_EQ(Ids(search), expected) << name;
  }
}

TEST_F(StorefrontTest, KeysetPagesContinueWhereTheLastEnded) {
  for (const auto& [name, first] : Shapes()) {
    if (first.offset > 0) continue;
    StorefrontSearch s = first;
    std::vector<int64_t> walked;
    for (int page = 0; page < 3; ++page) {
      auto r = RunStorefrontSearch(*conn_, s);
      ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
      for (int i = 0; i < r->rows(); ++i) walked.push_back(r->GetInt64(i, 0));
      if (r->rows() < kStorefrontPageSize) break;
      s.after = {{r->GetInt64(r->rows() - 1, 7), r->GetInt64(r->rows() - 1, 0)}};
    }
    std::vector<int64_t> expected;
    for (int page = 0; page < 3; ++page) {
      StorefrontSearch by_offset = first;
      by_offset.offset = page * kStorefrontPageSize;
      const std::vector<int64_t> ids = BruteForce(*rows_, by_offset);
      expected.insert(expected.end(), ids.begin(), ids.end());
    }
    EXPECT_EQ(walked, expected) << name;
  }
}

}  // namespace
}  // namespace di::store
