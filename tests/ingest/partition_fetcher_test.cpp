// The fetch algorithm against an adversarial in-memory vendor: heavy price
// ties reshuffled on every call, short pages mid-result, churn between calls.
// (A fake vendor is fine here: this is a unit test of the decision logic; the
// same algorithm runs against nivoda-sim and PostgreSQL in worker_test.)
#include "ingest/partition_fetcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common/log.h"

namespace di::ingest {
namespace {

struct FakeOffer {
  std::string id;
  int64_t cents;
  int64_t version;
  WallTime updated{};
};

class FakeVendor : public OfferSource {
 public:
  FakeVendor(std::vector<FakeOffer> offers, double short_pages, uint64_t seed)
      : offers_(std::move(offers)), short_pages_(short_pages), rng_(seed) {}

  Result<nivoda::Page> FetchPage(const Cell& cell, int64_t offset, int limit, const nivoda::Order& order,
                                 const std::optional<std::string>& changed_since) override {
    if (delay_.count() > 0) {  // a request in flight, outside the lock: concurrency is observable
      int now = ++active_;
      for (int p = peak_.load(); now > p && !peak_.compare_exchange_weak(p, now);) {
      }
      std::this_thread::sleep_for(delay_);
      --active_;
    }
    if (hold_first_until_ > 0) {
      if (offset == 0) {
        for (int i = 0; i < 500 && served_others_.load() < hold_first_until_; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        released_ = served_others_.load() >= hold_first_until_;
      } else {
        ++served_others_;
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    ++pages_;
    MaybeChurn();
    WallTime since{};
    if (changed_since) {
      EXPECT_TRUE(ParseIso8601(*changed_since, &since));
    }
    std::vector<std::pair<std::pair<int64_t, uint64_t>, const FakeOffer*>> matching;
    for (const auto& o : offers_) {
      if (!InCell(o.cents, cell) || o.updated < since) continue;
      const int64_t seq = std::stoll(o.id.substr(1));  // insertion sequence
      int64_t key = order.type == "createdAt" ? seq : order.type == "insert" ? seq / insert_tie_ : o.cents;
      if (order.direction == nivoda::Direction::kDesc) key = -key;
      matching.push_back({{key, rng_()}, &o});  // random tiebreak on every call
    }
    std::sort(matching.begin(), matching.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    nivoda::Page page;
    int64_t stop = std::min<int64_t>(offset + limit, static_cast<int64_t>(matching.size()));
    if (offset < stop && std::uniform_real_distribution<double>(0, 1)(rng_) < short_pages_) stop -= 1 + rng_() % 5;
    for (int64_t i = offset; i < stop; ++i) {
      const FakeOffer& o = *matching[i].second;
      page.offers.push_back({o.id, "offer-" + o.id + "-" + std::to_string(o.version), o.cents, FormatIso8601(o.updated),
                             "{}", std::to_string(o.version)});
    }
    if (offset < static_cast<int64_t>(matching.size()) && page.offers.empty()) {
      const FakeOffer& o = *matching[offset].second;
      page.offers.push_back({o.id, "x", o.cents, FormatIso8601(o.updated), "{}", "h"});
    }
    return page;
  }

  Result<int64_t> Count(const Cell& cell, const std::optional<std::string>& changed_since) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_;
    WallTime since{};
    if (changed_since) {
      EXPECT_TRUE(ParseIso8601(*changed_since, &since));
    }
    return static_cast<int64_t>(std::count_if(offers_.begin(), offers_.end(), [&](const FakeOffer& o) {
      return InCell(o.cents, cell) && o.updated >= since;
    }));
  }

  // Re-prices a random offer every EVERY page calls, MAX_EVENTS times in all.
  void EnableChurn(int every, int max_events) {
    churn_every_ = every;
    churn_left_ = max_events;
  }
  // Removes a random offer every EVERY page calls, MAX_EVENTS times in all.
  void EnableRemovals(int every, int max_events) {
    remove_every_ = every;
    remove_left_ = max_events;
  }
  std::vector<FakeOffer> snapshot() {
    std::lock_guard<std::mutex> lock(mu_);
    return offers_;
  }
  int64_t pages() const { return pages_; }
  // The insertion order gets ties: groups of N offers share a key (1: unique).
  void SetInsertTies(int n) { insert_tie_ = n; }
  // The page at offset 0 is answered only once N other pages were served
  // (or after 5 s, and first_page_released() stays false).
  void HoldFirstPageUntil(int n) { hold_first_until_ = n; }
  bool first_page_released() const { return released_; }
  // Each page request then takes DELAY; peak() is the most requests at once.
  void SetDelay(Millis delay) { delay_ = delay; }
  int peak() const { return peak_.load(); }

 private:
  void MaybeChurn() {
    if (remove_every_ != 0 && remove_left_ > 0 && pages_ % remove_every_ == 0) {
      --remove_left_;
      offers_.erase(offers_.begin() + static_cast<std::ptrdiff_t>(rng_() % offers_.size()));
    }
    if (churn_every_ == 0 || churn_left_ == 0 || pages_ % churn_every_ != 0) return;
    --churn_left_;
    FakeOffer& o = offers_[rng_() % offers_.size()];
    o.cents = static_cast<int64_t>(rng_() % 300000);
    ++o.version;
    o.updated = DefaultClock().Now();
  }
  std::mutex mu_;
  std::vector<FakeOffer> offers_;
  double short_pages_;
  std::mt19937_64 rng_;
  int64_t insert_tie_ = 1;
  int hold_first_until_ = 0;
  std::atomic<int> served_others_{0};
  std::atomic<bool> released_{false};
  int churn_every_ = 0;
  int churn_left_ = 0;
  int remove_every_ = 0;
  int remove_left_ = 0;
  int64_t pages_ = 0;
  int64_t counts_ = 0;
  Millis delay_{0};
  std::atomic<int> active_{0};
  std::atomic<int> peak_{0};
};

class MemorySink : public PartitionSink {
 public:
  Status Submit(RawBatch batch) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& o : batch.offers) {
      auto& slot = stored_[o.stone_id];
      if (o.updated_at >= slot.second) slot = {o.price_cents, o.updated_at};  // ISO strings sort by time
    }
    if (batch.checkpoint) checkpoints_.push_back(*batch.checkpoint);
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  Result<std::vector<int64_t>> StoredPrices(const Cell& cell) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<int64_t> out;
    for (const auto& [id, pv] : stored_) {
      if (InCell(pv.first, cell)) out.push_back(pv.first);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::map<std::string, std::pair<int64_t, std::string>> stored_;
  std::vector<store::Checkpoint> checkpoints_;
  std::mutex mu_;
};

std::vector<FakeOffer> Inventory(int n, uint64_t seed, int tie_prices) {
  std::mt19937_64 rng(seed);
  std::vector<FakeOffer> offers;
  for (int i = 0; i < n; ++i) {
    // Half the offers share a handful of whole-dollar prices (heavy ties); the
    // rest are spread, some at fractional dollars.
    int64_t cents =
        (i % 2 == 0) ? 100000 + 100 * static_cast<int64_t>(rng() % tie_prices) : static_cast<int64_t>(rng() % 400000);
    offers.push_back({"s" + std::to_string(i), cents, 1});
  }
  return offers;
}

std::set<std::string> IdsIn(const std::vector<FakeOffer>& offers, const Cell& cell) {
  std::set<std::string> ids;
  for (const auto& o : offers) {
    if (InCell(o.cents, cell)) ids.insert(o.id);
  }
  return ids;
}

std::set<std::string> StoredIds(const MemorySink& sink) {
  std::set<std::string> ids;
  for (const auto& [id, pv] : sink.stored_) ids.insert(id);
  return ids;
}

// One fetch of the whole price axis with the default options.
Result<FetchStats> FetchWholeAxis(FakeVendor& vendor, MemorySink& sink) {
  ThreadPool pool(8);
  PartitionFetcher fetcher(vendor, sink, pool, FetchOptions{}, nullptr);
  return fetcher.Run({0, std::nullopt}, store::Checkpoint{});
}

TEST(PartitionFetcherTest, TiesAndShortPagesLoseNothing) {
  for (uint64_t seed : {1, 2, 3}) {
    FakeVendor vendor(Inventory(6000, seed, 7), 0.1, seed);
    MemorySink sink;
    auto stats = FetchWholeAxis(vendor, sink);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    EXPECT_EQ(StoredIds(sink), IdsIn(vendor.snapshot(), {0, std::nullopt})) << "seed " << seed;
    EXPECT_EQ(stats->stones, 6000);
    EXPECT_GT(stats->refetched_cells + stats->bisections, 0) << "the hazards were actually hit";
  }
}

TEST(PartitionFetcherTest, QuietInventoryIsPagedOnceWithoutRereads) {
  // The paging order is unique (insertion): no page boundary splits a tie, so
  // a quiet partition costs its pages, the empty page and one count per cell.
  FakeVendor vendor(Inventory(6000, 4, 7), 0.0, 4);
  MemorySink sink;
  ThreadPool pool(8);
  FetchOptions options;
  options.expected_records = 6000;
  PartitionFetcher fetcher(vendor, sink, pool, options, nullptr);
  auto stats = fetcher.Run({0, std::nullopt}, store::Checkpoint{});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(sink.stored_.size(), 6000u);
  EXPECT_EQ(stats->refetched_cells + stats->bisections, 0);
  EXPECT_LE(vendor.pages(), 6000 / 49 + 2)
      << "each page once (49 offers apart), plus the empty page(s) that end the pass";
}

TEST(PartitionFetcherTest, TiesInThePagingOrderLoseNothing) {
  // Should the vendor's insertion order have ties after all, verification
  // finds what page boundaries skipped.
  for (uint64_t seed : {7, 8}) {
    FakeVendor vendor(Inventory(5000, seed, 7), 0.05, seed);
    vendor.SetInsertTies(400);
    MemorySink sink;
    auto stats = FetchWholeAxis(vendor, sink);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    EXPECT_EQ(StoredIds(sink), IdsIn(vendor.snapshot(), {0, std::nullopt})) << "seed " << seed;
    EXPECT_GT(stats->refetched_cells, 0) << "the hazard was actually hit";
  }
}

TEST(PartitionFetcherTest, SweepOfAnUnchangedInventoryEndsAfterOneCount) {
  // The sweep of a run without failures: nothing updated since the run began
  // means every partition's own verification still holds.
  for (bool changed : {false, true}) {
    auto offers = Inventory(3000, 11, 20);
    const WallTime run_start = DefaultClock().Now();
    if (changed) offers[17].updated = run_start + Millis(1000);  // re-listed during the run
    FakeVendor vendor(offers, 0.0, 11);
    MemorySink sink;
    ThreadPool pool(8);
    FetchOptions options;
    options.catch_up_from = run_start;
    options.catch_up_margin = Millis(0);
    options.unchanged_means_verified = true;
    PartitionFetcher sweep(vendor, sink, pool, options, nullptr);
    auto stats = sweep.Run({0, std::nullopt}, store::Checkpoint{0, "verifying", 0, 0});
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    if (!changed) {
      EXPECT_EQ(stats->count_queries, 1);
      EXPECT_EQ(vendor.pages(), 0);
    } else {
      EXPECT_GT(stats->count_queries, 2) << "a change since the run began: the whole axis is verified";
      EXPECT_EQ(sink.stored_.size(), 3000u) << "and what the (empty) store lacks is fetched";
    }
  }
}

TEST(PartitionFetcherTest, InFlightSetsThePagesRequestedAtOnce) {
  for (int in_flight : {6, 1}) {
    FakeVendor vendor(Inventory(1500, 5, 1), 0.0, 5);
    vendor.SetDelay(Millis(15));
    MemorySink sink;
    ThreadPool pool(16);
    FetchOptions options;
    options.in_flight = in_flight;
    PartitionFetcher fetcher(vendor, sink, pool, options, nullptr);
    auto stats = fetcher.Run({0, std::nullopt}, store::Checkpoint{});
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    EXPECT_EQ(sink.stored_.size(), 1500u);
    EXPECT_EQ(vendor.peak(), in_flight) << "pages at once with in_flight " << in_flight;
  }
}

// A sink that writes slowly and tracks the pages answered but not yet handed over.
class SlowSink : public MemorySink {
 public:
  explicit SlowSink(std::atomic<int>* requested) : requested_(requested) {}
  Status Submit(RawBatch batch) override {
    if (!batch.offers.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
      int held = requested_->load() - ++submitted_;
      for (int p = peak_held.load(); held > p && !peak_held.compare_exchange_weak(p, held);) {
      }
    }
    return MemorySink::Submit(std::move(batch));
  }
  std::atomic<int> peak_held{0};

 private:
  std::atomic<int>* requested_;
  std::atomic<int> submitted_{0};
};

class CountingVendor : public FakeVendor {
 public:
  using FakeVendor::FakeVendor;
  Result<nivoda::Page> FetchPage(const Cell& cell, int64_t offset, int limit, const nivoda::Order& order,
                                 const std::optional<std::string>& changed_since) override {
    auto page = FakeVendor::FetchPage(cell, offset, limit, order, changed_since);
    if (page.ok() && !page->offers.empty()) ++requested;  // answered with offers: held until written
    return page;
  }
  std::atomic<int> requested{0};
};

TEST(PartitionFetcherTest, SharedPageSlotsBoundThePagesHeldBehindASlowWriter) {
  // Two partitions, 16 requests in flight each, one shared set of 4 slots: the
  // pages answered but not yet written never exceed the slots.
  CountingVendor vendor(Inventory(4000, 12, 1), 0.0, 12);
  SlowSink sink(&vendor.requested);
  ThreadPool pool(32);
  FetchOptions options;
  options.in_flight = 16;
  options.page_slots = std::make_shared<std::counting_semaphore<>>(4);
  PartitionFetcher low(vendor, sink, pool, options, nullptr), high(vendor, sink, pool, options, nullptr);
  Result<FetchStats> a = Status(Code::kInternal, "not run"), b = a;
  std::thread t([&] { a = low.Run({0, 2000}, store::Checkpoint{}); });
  b = high.Run({2000, std::nullopt}, store::Checkpoint{});
  t.join();
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString() << " " << b.status().ToString();
  EXPECT_EQ(sink.stored_.size(), 4000u);
  EXPECT_LE(sink.peak_held.load(), 4) << "pages requested and not yet written";
  EXPECT_GE(sink.peak_held.load(), 2) << "the partitions did page in parallel";
}

TEST(PartitionFetcherTest, ASlowPageDoesNotHoldTheOthersBack) {
  // The first page is answered only after the vendor served 12 others; with
  // 4 requests in flight that needs every arrival to start the next request
  // (consuming pages in offset order would wait for the first one forever).
  FakeVendor vendor(Inventory(2000, 6, 1), 0.0, 6);
  vendor.HoldFirstPageUntil(12);
  MemorySink sink;
  ThreadPool pool(8);
  FetchOptions options;
  options.in_flight = 4;
  options.expected_records = 2000;
  PartitionFetcher fetcher(vendor, sink, pool, options, nullptr);
  auto stats = fetcher.Run({0, std::nullopt}, store::Checkpoint{});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_TRUE(vendor.first_page_released()) << "the first page was held until its timeout";
  EXPECT_EQ(sink.stored_.size(), 2000u);
}

TEST(PartitionFetcherTest, BoundedPartitionsCoverFractionalBoundaryOffers) {
  std::vector<FakeOffer> offers;
  for (int i = 0; i < 2000; ++i)
    offers.push_back({"s" + std::to_string(i), 199900 + (i % 200), 1});  // $1999.00-$2000.99
  FakeVendor vendor(offers, 0.0, 9);
  MemorySink sink;
  ThreadPool pool(4);
  PartitionFetcher low(vendor, sink, pool, FetchOptions{}, nullptr);
  PartitionFetcher high(vendor, sink, pool, FetchOptions{}, nullptr);
  ASSERT_TRUE(low.Run({0, 2000}, store::Checkpoint{}).ok());
  ASSERT_TRUE(high.Run({2000, std::nullopt}, store::Checkpoint{}).ok());
  EXPECT_EQ(sink.stored_.size(), 2000u) << "partitions sharing the boundary dollar lose nothing";
}

TEST(PartitionFetcherTest, ChurnKeepsEveryOfferThatStayed) {
  if (getenv("DI_DEBUG")) log::Init(log::Level::kDebug, log::Format::kHuman);
  auto offers = Inventory(5000, 42, 50);
  FakeVendor vendor(offers, 0.05, 42);
  vendor.EnableChurn(3, 150);  // 150 re-pricings (3% of the stones) early in the run
  MemorySink sink;
  ThreadPool pool(8);
  FetchOptions options;
  options.catch_up_from = DefaultClock().Now();
  options.catch_up_margin = Millis(0);
  options.max_rounds = 24;  // this churn (a re-pricing every 3 requests) is far above real rates
  PartitionFetcher fetcher(vendor, sink, pool, options, nullptr);
  auto stats = fetcher.Run({0, std::nullopt}, store::Checkpoint{});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  // Every offer exists before and after (re-pricing only): all must be stored,
  // and, the inventory being quiet at the end, each at its final price.
  EXPECT_EQ(sink.stored_.size(), 5000u);
  EXPECT_GT(stats->catch_up_offers, 0) << "the catch-up pass ran";
  int64_t stale = 0;
  for (const auto& o : vendor.snapshot()) {
    auto it = sink.stored_.find(o.id);
    if (it == sink.stored_.end()) {
      ADD_FAILURE() << "lost " << o.id << " version " << o.version << " cents " << o.cents;
    } else if (it->second.first != o.cents) {
      ++stale;
      ADD_FAILURE() << "stale " << o.id << " version " << o.version << " stored " << it->second.first << " now "
                    << o.cents << " upd " << FormatIso8601(o.updated) << " stored-upd " << it->second.second;
    }
  }
  EXPECT_EQ(stale, 0) << "rounds " << stats->rounds << " catchup " << stats->catch_up_offers << " refetched "
                      << stats->refetched_cells;
}

// Stones removed while a partition is paged: each shifts the later stones one
// place back, which skipped the first stone of the next page requested (and
// the removed stone, stored, made the cell's count match). Pages overlap by
// one offer: every stone that stayed is stored. One request at a time, so
// at most one removal falls between two adjacent pages.
TEST(PartitionFetcherTest, RemovalsWhilePagingLoseNoStoneThatStayed) {
  for (int overlap : {0, 1}) {
    int lost_total = 0;
    for (uint64_t seed : {1, 2, 3, 4, 5, 6}) {
      FakeVendor vendor(Inventory(3000, seed, 50), 0.0, seed);
      vendor.EnableRemovals(1, 40);  // one removal per page request, early in the run
      MemorySink sink;
      ThreadPool pool(2);
      FetchOptions options;
      options.in_flight = 1;
      options.page_overlap = overlap;
      options.catch_up_from = DefaultClock().Now();
      options.catch_up_margin = Millis(0);
      PartitionFetcher fetcher(vendor, sink, pool, options, nullptr);
      auto stats = fetcher.Run({0, std::nullopt}, store::Checkpoint{});
      ASSERT_TRUE(stats.ok()) << stats.status().ToString();
      int lost = 0;
      for (const auto& o : vendor.snapshot()) lost += sink.stored_.count(o.id) == 0;
      lost_total += lost;
      if (overlap == 1) {
        EXPECT_EQ(lost, 0) << "seed " << seed;
      }
    }
    if (overlap == 0) {
      EXPECT_GT(lost_total, 0) << "without the overlap the removals do skip stones";
    }
  }
}

TEST(PartitionFetcherTest, StoredStoneRemovedFromTheVendorDoesNotKeepTheCellOpen) {
  // The run stored a stone that the vendor then removed: its raw row stays in
  // the cell, so the cell's stored count exceeds the vendor's for good. The
  // re-fetch proves every listed stone is stored; a full round must still be
  // able to verify the cell (it used to livelock until max_rounds).
  std::vector<FakeOffer> offers;
  for (int i = 0; i < 500; ++i) offers.push_back({"s" + std::to_string(i), 1000 + 37 * i, 1});
  FakeVendor vendor(offers, 0.0, 9);
  MemorySink sink;
  sink.stored_["removed"] = {5000, "2020-01-01T00:00:00.000Z"};
  ThreadPool pool(4);
  FetchOptions options;
  options.catch_up_from = DefaultClock().Now();
  options.catch_up_margin = Millis(0);
  PartitionFetcher fetcher(vendor, sink, pool, options, nullptr);
  auto stats = fetcher.Run({0, std::nullopt}, store::Checkpoint{});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(sink.stored_.size(), 501u);
  EXPECT_LE(stats->rounds, 3) << "verified in a full round, not by reaching max_rounds";
}

TEST(PartitionFetcherTest, ResumesFromCheckpointWithoutRefetchingDonePages) {
  std::vector<FakeOffer> offers;
  for (int i = 0; i < 3000; ++i) offers.push_back({"s" + std::to_string(i), 1000 + 37 * i, 1});  // no ties
  FakeVendor vendor(offers, 0.0, 5);
  MemorySink sink;
  ThreadPool pool(4);
  {
    std::atomic<bool> cancel{false};
    FetchOptions o;
    o.in_flight = 1;
    PartitionFetcher first(vendor, sink, pool, o, &cancel);
    // Cancel after ~10 pages: the first run ends cancelled with a checkpoint.
    std::thread stopper([&] {
      while (vendor.pages() < 10) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      cancel = true;
    });
    auto r = first.Run({0, std::nullopt}, store::Checkpoint{});
    stopper.join();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kCancelled);
  }
  ASSERT_FALSE(sink.checkpoints_.empty());
  store::Checkpoint resume = sink.checkpoints_.back();
  EXPECT_GE(resume.next_offset, 450);
  EXPECT_EQ(resume.next_offset % 49, 0);
  int64_t pages_before = vendor.pages();
  PartitionFetcher second(vendor, sink, pool, FetchOptions{}, nullptr);
  auto r = second.Run({0, std::nullopt}, resume);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(sink.stored_.size(), 3000u);
  EXPECT_LE(vendor.pages() - pages_before, (3000 - resume.next_offset) / 49 + 1 + 12) << "resumed, not restarted";
}

TEST(PartitionFetcherTest, BisectKeepsBoundaryDollarAndStopsAtIndivisibleCells) {
  std::vector<int64_t> prices = {100, 250, 300, 999, 1500, 1501, 2000};
  auto halves = Bisect({0, 20}, prices);
  ASSERT_TRUE(halves.has_value());
  EXPECT_EQ(halves->first.to, halves->second.from);
  EXPECT_FALSE(Bisect({5, 6}, prices).has_value());
  EXPECT_FALSE(Bisect({5, 5}, prices).has_value());
  EXPECT_TRUE(InCell(199950, {1999, 2000}));
  EXPECT_FALSE(InCell(199950, {1999, 1999}));
  EXPECT_FALSE(InCell(199950, {2000, 2000}));
  EXPECT_EQ(CountInCell(prices, {3, 15}), 3);
  auto cells = SplitIntoCells({0, std::nullopt}, prices, 3);
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells.front().from, 0);
  EXPECT_FALSE(cells.back().to.has_value());
  for (size_t i = 1; i < cells.size(); ++i) EXPECT_EQ(cells[i - 1].to, cells[i].from);
}

}  // namespace
}  // namespace di::ingest
