// The paging algorithm against an adversarial in-memory vendor: churn between
// any two reads (re-pricings, payload changes, removals, additions), short
// pages, requests evaluated out of order, an `insert` order with ties or
// refused. (A fake vendor is fine here: a unit test of the decision logic; the
// same algorithm runs against nivoda-sim and PostgreSQL in worker_test and the
// reliability scenarios.) Each read is atomic: count and page of one state.
#include "ingest/partition_fetcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common/clock.h"
#include "common/log.h"

namespace di::ingest {
namespace {

struct FakeOffer {
  std::string id;
  int64_t cents = 0;
  int64_t updated = 0;  // logical time of the last change
  int64_t seq = 0;      // insertion sequence
  int64_t version = 1;
  bool removed = false;
};

enum class InsertMode { kUnique, kTies, kRejected };

// The window a pass reads: a snapshot (`updated <= to`: shrinks) or a catch-up
// (`updated >= from`: grows).
struct Window {
  std::optional<int64_t> from;
  std::optional<int64_t> to;
};

class FakeVendor : public OfferSource {
 public:
  FakeVendor(std::vector<FakeOffer> offers, Window window, uint64_t seed)
      : offers_(std::move(offers)), window_(window), rng_(seed) {
    for (const auto& o : offers_) next_seq_ = std::max(next_seq_, o.seq + 1);
  }

  Result<nivoda::Page> FetchPage(const Cell& cell, int64_t offset, int limit, const nivoda::Order& order) override {
    if (jitter_.count() > 0) {  // reads are evaluated in an order of their own
      std::this_thread::sleep_for(
          Millis(std::uniform_int_distribution<int>(0, static_cast<int>(jitter_.count()))(*thread_rng())));
    }
    if (delay_.count() > 0) {
      int now = ++active_;
      for (int p = peak_.load(); now > p && !peak_.compare_exchange_weak(p, now);) {
      }
      std::this_thread::sleep_for(delay_);
      --active_;
    }
    if (hold_first_until_ > 0) {
      if (!first_taken_.exchange(true)) {
        for (int i = 0; i < 500 && served_others_.load() < hold_first_until_; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        released_ = served_others_.load() >= hold_first_until_;
      } else {
        ++served_others_;
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_;
    if (order.type == "insert" && insert_ == InsertMode::kRejected) {
      return Status(Code::kPermanent, "Value \"insert\" does not exist in \"DiamondOrderType\" enum.");
    }
    if (refuse_all_) return Status(Code::kPermanent, "Variable \"$query\" got invalid value");
    MaybeChurn();
    std::vector<std::pair<std::pair<int64_t, uint64_t>, const FakeOffer*>> matching;
    for (size_t pos = 0; pos < offers_.size(); ++pos) {
      const FakeOffer& o = offers_[pos];
      if (!InWindow(o) || !InCell(o.cents, cell)) continue;
      int64_t key = static_cast<int64_t>(pos);  // none: storage order
      if (order.type == "insert") key = insert_ == InsertMode::kTies ? o.seq / 25 : o.seq;
      bool tie_break = order.type == "insert" && insert_ == InsertMode::kTies;
      if (order.type == "none" && unstable_none_) tie_break = true, key = 0;
      matching.push_back({{key, tie_break ? rng_() : 0}, &o});
    }
    std::sort(matching.begin(), matching.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    nivoda::Page page;
    page.count = static_cast<int64_t>(matching.size());
    int64_t stop = std::min<int64_t>(offset + limit, static_cast<int64_t>(matching.size()));
    if (stop - offset == limit && stop < *page.count && std::uniform_real_distribution<double>(0, 1)(rng_) < short_) {
      stop = offset + 1 + static_cast<int64_t>(rng_() % static_cast<uint64_t>(limit - 1));
      ++short_pages_;
    }
    for (int64_t i = offset; i < stop; ++i) {
      const FakeOffer& o = *matching[i].second;
      page.offers.push_back({o.id, "offer-" + o.id + "-" + std::to_string(o.version), o.cents,
                             FormatIso8601(WallTime(Millis(o.updated))), "{}", std::to_string(o.version)});
      page.keys.push_back(o.id);
    }
    return page;
  }

  // Every EVERY reads, one change: a re-pricing, a payload change, a removal
  // or an addition (in turn), MAX_EVENTS in all.
  void EnableChurn(int every, int max_events) {
    churn_every_ = every;
    churn_left_ = max_events;
  }
  void SetShortPages(double fraction) { short_ = fraction; }
  void SetInsert(InsertMode mode) { insert_ = mode; }
  void MakeNoneUnstable() { unstable_none_ = true; }
  void RefuseEverything() { refuse_all_ = true; }
  void SetJitter(Millis jitter) { jitter_ = jitter; }
  void SetDelay(Millis delay) { delay_ = delay; }
  void HoldFirstPageUntil(int n) { hold_first_until_ = n; }
  bool first_page_released() const { return released_; }
  int peak() const { return peak_.load(); }
  int64_t requests() const { return requests_; }
  int64_t short_pages() const { return short_pages_; }
  int64_t now() const { return clock_; }

  // Stones in the window (and CELL) from START to now, unchanged: the ones a
  // pass must have read.
  std::set<std::string> Survivors(const Cell& cell, const std::vector<FakeOffer>& at_start) {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, const FakeOffer*> now;
    for (const auto& o : offers_) now[o.id] = &o;
    std::set<std::string> out;
    for (const auto& o : at_start) {
      auto it = now.find(o.id);
      if (!InWindow(o) || !InCell(o.cents, cell) || it == now.end()) continue;
      const FakeOffer& n = *it->second;
      if (!n.removed && n.version == o.version && InWindow(n)) out.insert(o.id);
    }
    return out;
  }
  std::vector<FakeOffer> snapshot() {
    std::lock_guard<std::mutex> lock(mu_);
    return offers_;
  }

 private:
  bool InWindow(const FakeOffer& o) const {
    return !o.removed && (!window_.from || o.updated >= *window_.from) && (!window_.to || o.updated <= *window_.to);
  }
  void MaybeChurn() {
    if (churn_every_ == 0 || churn_left_ == 0 || requests_ % churn_every_ != 0) return;
    --churn_left_;
    ++clock_;
    int kind = static_cast<int>(events_++ % 4);
    if (kind == 3) {
      offers_.push_back({"n" + std::to_string(next_seq_), static_cast<int64_t>(rng_() % 400000), clock_, next_seq_});
      ++next_seq_;
      return;
    }
    FakeOffer* o = nullptr;
    for (int tries = 0; tries < 100 && (o == nullptr || o->removed); ++tries) o = &offers_[rng_() % offers_.size()];
    if (o == nullptr || o->removed) return;
    if (kind == 2) {
      o->removed = true;
      return;
    }
    if (kind == 0) o->cents = static_cast<int64_t>(rng_() % 400000);
    ++o->version;
    o->updated = clock_;
  }
  static std::mt19937_64* thread_rng() {
    thread_local std::mt19937_64 rng(std::hash<std::thread::id>()(std::this_thread::get_id()));
    return &rng;
  }

  std::mutex mu_;
  std::vector<FakeOffer> offers_;
  Window window_;
  std::mt19937_64 rng_;
  int64_t next_seq_ = 0;
  int64_t clock_ = 1000;
  int64_t events_ = 0;
  int64_t requests_ = 0;
  int64_t short_pages_ = 0;
  double short_ = 0;
  InsertMode insert_ = InsertMode::kUnique;
  bool unstable_none_ = false;
  bool refuse_all_ = false;
  int churn_every_ = 0;
  int churn_left_ = 0;
  Millis jitter_{0};
  Millis delay_{0};
  int hold_first_until_ = 0;
  std::atomic<int> served_others_{0};
  std::atomic<bool> released_{false};
  std::atomic<bool> first_taken_{false};
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
  Result<int64_t> StoredStones(const Cell& cell) override {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t n = 0;
    for (const auto& [id, pv] : stored_) n += InCell(pv.first, cell);
    return n;
  }
  std::map<std::string, std::pair<int64_t, std::string>> stored_;
  std::vector<store::Checkpoint> checkpoints_;
  std::mutex mu_;
};

// N offers, updated before the snapshot (logical time < 1000), a quarter at
// whole dollars.
std::vector<FakeOffer> Inventory(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<FakeOffer> offers;
  for (int i = 0; i < n; ++i) {
    int64_t cents = static_cast<int64_t>(rng() % 400000);
    if (i % 4 == 0) cents -= cents % 100;
    offers.push_back({"s" + std::to_string(i), cents, static_cast<int64_t>(rng() % 1000), i});
  }
  std::shuffle(offers.begin(), offers.end(), rng);  // storage order differs from insertion order
  return offers;
}

const Window kSnapshot{std::nullopt, 1000};

std::set<std::string> StoredIds(const MemorySink& sink) {
  std::set<std::string> ids;
  for (const auto& [id, pv] : sink.stored_) ids.insert(id);
  return ids;
}

std::vector<std::string> Missing(const std::set<std::string>& want, const std::set<std::string>& have) {
  std::vector<std::string> out;
  std::set_difference(want.begin(), want.end(), have.begin(), have.end(), std::back_inserter(out));
  return out;
}

Result<FetchStats> RunPass(FakeVendor& vendor, MemorySink& sink, FetchOptions options, const Cell& cell = {0, {}},
                           store::Checkpoint resume = {}) {
  ThreadPool pool(16);
  PartitionFetcher fetcher(vendor, sink, pool, std::move(options), nullptr);
  return fetcher.Run(cell, resume);
}

TEST(PartitionFetcherTest, QuietSnapshotIsReadOncePerPageInTheInsertOrder) {
  auto offers = Inventory(3000, 1);
  FakeVendor vendor(offers, kSnapshot, 1);
  MemorySink sink;
  FetchOptions options;
  options.expected_records = 3000;
  auto stats = RunPass(vendor, sink, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(sink.stored_.size(), 3000u);
  EXPECT_EQ(stats->order, "insert ASC");
  EXPECT_EQ(stats->bridges, 0);
  EXPECT_EQ(stats->probes, 2);
  // 62 pages at offsets 0, 49, ..., 2989 and the two probe reads.
  EXPECT_EQ(vendor.requests(), (3000 + 48) / 49 + 2);
  ASSERT_FALSE(sink.checkpoints_.empty());
  EXPECT_EQ(sink.checkpoints_.back().phase, "done");
}

TEST(PartitionFetcherTest, ShortPagesAreFilledAtOnce) {
  auto offers = Inventory(4000, 2);
  FakeVendor vendor(offers, kSnapshot, 2);
  vendor.SetShortPages(0.10);
  MemorySink sink;
  FetchOptions options;
  options.expected_records = 4000;
  auto stats = RunPass(vendor, sink, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(sink.stored_.size(), 4000u);
  EXPECT_GT(vendor.short_pages(), 3);
  // One fill per short page (a fill may itself come back short).
  EXPECT_LE(stats->bridges, vendor.short_pages());
  EXPECT_LE(vendor.requests(), (4000 + 48) / 49 + 2 + vendor.short_pages());
}

TEST(PartitionFetcherTest, ChurnWhileReadingLosesNoSurvivor) {
  // A change every 2 reads (far above real rates), reads evaluated out of
  // order, short pages: every stone in the snapshot from start to end is read.
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    auto offers = Inventory(3000, seed);
    FakeVendor vendor(offers, kSnapshot, seed);
    vendor.EnableChurn(2, 400);
    vendor.SetShortPages(0.05);
    vendor.SetJitter(Millis(3));
    MemorySink sink;
    FetchOptions options;
    options.expected_records = 3000;
    options.in_flight = 8;
    auto stats = RunPass(vendor, sink, options);
    ASSERT_TRUE(stats.ok()) << "seed " << seed << ": " << stats.status().ToString();
    auto missing = Missing(vendor.Survivors({0, {}}, offers), StoredIds(sink));
    EXPECT_TRUE(missing.empty()) << "seed " << seed << ": " << missing.size() << " survivors unread, e.g. "
                                 << missing.front();
  }
}

TEST(PartitionFetcherTest, ChurnWithinAPriceCellLosesNoSurvivor) {
  auto offers = Inventory(6000, 7);
  FakeVendor vendor(offers, kSnapshot, 7);
  vendor.EnableChurn(1, 600);
  vendor.SetJitter(Millis(2));
  MemorySink sink;
  FetchOptions options;
  options.in_flight = 12;
  const Cell cell{1000, 2500};
  auto stats = RunPass(vendor, sink, options, cell);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  auto survivors = vendor.Survivors(cell, offers);
  EXPECT_GT(survivors.size(), 1000u);
  auto missing = Missing(survivors, StoredIds(sink));
  EXPECT_TRUE(missing.empty()) << missing.size() << " survivors unread";
}

TEST(PartitionFetcherTest, ResumeFromASuffixReadsOnlyBelowIt) {
  auto offers = Inventory(2000, 3);
  FakeVendor vendor(offers, kSnapshot, 3);
  MemorySink sink;
  // Every survivor from offset 980 upwards is stored (by an earlier attempt).
  auto stats = RunPass(vendor, sink, FetchOptions{}, {0, {}}, store::Checkpoint{980, "suffix", 0, 0});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->bridges, 0);
  // Offsets 931, 882, ..., 0 (20 pages, the last at 0) and the two probes.
  EXPECT_EQ(vendor.requests(), 20 + 2);
  EXPECT_GE(sink.stored_.size(), 980u);
  EXPECT_LT(sink.stored_.size(), 1100u) << "the stored suffix was not read again";
}

TEST(PartitionFetcherTest, CheckpointsOnlyClaimAStoredSuffix) {
  auto offers = Inventory(3000, 4);
  FakeVendor vendor(offers, kSnapshot, 4);
  MemorySink sink;
  FetchOptions options;
  options.expected_records = 3000;
  ASSERT_TRUE(RunPass(vendor, sink, options).ok());
  int64_t last = INT64_MAX;
  int suffixes = 0;
  for (const auto& cp : sink.checkpoints_) {
    if (cp.phase != "suffix") continue;
    ++suffixes;
    EXPECT_LT(cp.next_offset, last) << "a suffix checkpoint only moves down";
    last = cp.next_offset;
  }
  EXPECT_GE(suffixes, 5);
  EXPECT_EQ(last, 0);
}

TEST(PartitionFetcherTest, InsertOrderWithTiesIsDetectedAndAnotherOrderUsed) {
  auto offers = Inventory(3000, 5);
  FakeVendor vendor(offers, kSnapshot, 5);
  vendor.SetInsert(InsertMode::kTies);
  MemorySink sink;
  auto orders = std::make_shared<OrderChoice>();
  FetchOptions options;
  options.orders = orders;
  options.expected_records = 3000;
  auto stats = RunPass(vendor, sink, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->order, "none");
  EXPECT_EQ(sink.stored_.size(), 3000u);
  EXPECT_NE(orders->Summary().find("insert ASC: ruled out"), std::string::npos) << orders->Summary();
  EXPECT_LE(vendor.requests(), (3000 + 48) / 49 + 6);
}

TEST(PartitionFetcherTest, RefusedInsertOrderFallsBackToNone) {
  auto offers = Inventory(1500, 6);
  FakeVendor vendor(offers, kSnapshot, 6);
  vendor.SetInsert(InsertMode::kRejected);
  MemorySink sink;
  auto orders = std::make_shared<OrderChoice>();
  FetchOptions options;
  options.orders = orders;
  auto stats = RunPass(vendor, sink, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->order, "none");
  EXPECT_EQ(sink.stored_.size(), 1500u);
  EXPECT_NE(orders->Summary().find("refused"), std::string::npos) << orders->Summary();
}

TEST(PartitionFetcherTest, AnErrorThatIsNotAboutTheOrderIsReturnedAsItIs) {
  FakeVendor vendor(Inventory(200, 7), kSnapshot, 7);
  vendor.RefuseEverything();
  MemorySink sink;
  auto orders = std::make_shared<OrderChoice>();
  FetchOptions options;
  options.orders = orders;
  auto stats = RunPass(vendor, sink, options);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), Code::kPermanent);
  EXPECT_NE(stats.status().message().find("$query"), std::string::npos);
  ASSERT_TRUE(orders->Current().has_value()) << "no order was ruled out";
  EXPECT_EQ(OrderName(*orders->Current()), "insert ASC");
}

TEST(PartitionFetcherTest, NoStableOrderFailsWithItsReason) {
  FakeVendor vendor(Inventory(1500, 8), kSnapshot, 8);
  vendor.SetInsert(InsertMode::kTies);
  vendor.MakeNoneUnstable();
  MemorySink sink;
  auto stats = RunPass(vendor, sink, FetchOptions{});
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), Code::kUnavailable);
  EXPECT_NE(stats.status().message().find("no stable paging order"), std::string::npos) << stats.status().ToString();
}

TEST(PartitionFetcherTest, TiesTheProbeMissesAreCaughtByThePageOverlaps) {
  // The first page holds no tie (the probe finds insert stable), later pages
  // do: the overlaps of two reads of one state disagree, the pass restarts in
  // another order and still reads everything.
  auto offers = Inventory(3000, 9);
  FakeVendor vendor(offers, kSnapshot, 9);
  MemorySink sink;
  auto orders = std::make_shared<OrderChoice>();
  orders->Confirm({"insert", nivoda::Direction::kAsc}, "a test says so");
  vendor.SetInsert(InsertMode::kTies);
  FetchOptions options;
  options.orders = orders;
  options.expected_records = 3000;
  auto stats = RunPass(vendor, sink, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->restarts, 1);
  EXPECT_EQ(stats->order, "none");
  EXPECT_EQ(sink.stored_.size(), 3000u);
}

TEST(PartitionFetcherTest, GrowingCatchUpReadsEveryStoneThatStaysInIt) {
  // The catch-up reads `updated >= 1000`: changes keep adding stones to it
  // (anywhere in the order) and removals take a few away.
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    auto offers = Inventory(4000, seed);
    for (size_t i = 0; i < offers.size(); i += 3) offers[i].updated = 1000 + static_cast<int64_t>(i % 7);
    FakeVendor vendor(offers, Window{1000, std::nullopt}, seed);
    vendor.EnableChurn(1, 300);
    vendor.SetJitter(Millis(2));
    MemorySink sink;
    FetchOptions options;
    options.set = SetKind::kGrowing;
    options.in_flight = 8;
    auto stats = RunPass(vendor, sink, options);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    auto missing = Missing(vendor.Survivors({0, {}}, offers), StoredIds(sink));
    EXPECT_TRUE(missing.empty()) << "seed " << seed << ": " << missing.size() << " unread";
  }
}

TEST(PartitionFetcherTest, EmptyCatchUpCostsOneRead) {
  FakeVendor vendor(Inventory(500, 10), Window{5000, std::nullopt}, 10);
  MemorySink sink;
  auto orders = std::make_shared<OrderChoice>();
  orders->Confirm({"insert", nivoda::Direction::kAsc}, "known");
  FetchOptions options;
  options.set = SetKind::kGrowing;
  options.orders = orders;
  auto stats = RunPass(vendor, sink, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(vendor.requests(), 1);
  EXPECT_TRUE(sink.stored_.empty());
}

TEST(PartitionFetcherTest, InFlightSetsThePagesRequestedAtOnce) {
  for (int in_flight : {6, 1}) {
    FakeVendor vendor(Inventory(1500, 5), kSnapshot, 5);
    vendor.SetDelay(Millis(15));
    MemorySink sink;
    FetchOptions options;
    options.in_flight = in_flight;
    options.expected_records = 1500;
    auto orders = std::make_shared<OrderChoice>();
    orders->Confirm({"insert", nivoda::Direction::kAsc}, "known");  // no probe (it reads two pages at once)
    options.orders = orders;
    auto stats = RunPass(vendor, sink, options);
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
  Result<nivoda::Page> FetchPage(const Cell& cell, int64_t offset, int limit, const nivoda::Order& order) override {
    auto page = FakeVendor::FetchPage(cell, offset, limit, order);
    if (page.ok() && !page->offers.empty()) ++requested;  // answered with offers: held until written
    return page;
  }
  std::atomic<int> requested{0};
};

TEST(PartitionFetcherTest, SharedPageSlotsBoundThePagesHeldBehindASlowWriter) {
  // Two partitions, 16 requests in flight each, one shared set of 4 slots: the
  // pages answered but not yet written never exceed the slots.
  CountingVendor vendor(Inventory(4000, 12), kSnapshot, 12);
  SlowSink sink(&vendor.requested);
  ThreadPool pool(32);
  FetchOptions options;
  options.in_flight = 16;
  options.page_slots = std::make_shared<std::counting_semaphore<>>(4);
  options.orders = std::make_shared<OrderChoice>();
  options.orders->Confirm({"insert", nivoda::Direction::kAsc}, "known");
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
  // The first page requested is answered only after the vendor served 12
  // others; with 4 requests in flight that needs every arrival to start the
  // next request (consuming pages in offset order would wait for it forever).
  FakeVendor vendor(Inventory(2000, 6), kSnapshot, 6);
  MemorySink sink;
  FetchOptions options;
  options.in_flight = 4;
  options.expected_records = 2000;
  options.orders = std::make_shared<OrderChoice>();
  options.orders->Confirm({"insert", nivoda::Direction::kAsc}, "known");
  vendor.HoldFirstPageUntil(12);
  auto stats = RunPass(vendor, sink, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_TRUE(vendor.first_page_released()) << "the first page was held until its timeout";
  EXPECT_EQ(sink.stored_.size(), 2000u);
}

TEST(PartitionFetcherTest, BoundedPartitionsCoverFractionalBoundaryOffers) {
  std::vector<FakeOffer> offers;
  for (int i = 0; i < 2000; ++i) offers.push_back({"s" + std::to_string(i), 199900 + (i % 200), 1, i});
  FakeVendor vendor(offers, kSnapshot, 9);  // $1999.00-$2000.99
  MemorySink sink;
  ThreadPool pool(4);
  PartitionFetcher low(vendor, sink, pool, FetchOptions{}, nullptr);
  PartitionFetcher high(vendor, sink, pool, FetchOptions{}, nullptr);
  ASSERT_TRUE(low.Run({0, 2000}, store::Checkpoint{}).ok());
  ASSERT_TRUE(high.Run({2000, std::nullopt}, store::Checkpoint{}).ok());
  EXPECT_EQ(sink.stored_.size(), 2000u) << "partitions sharing the boundary dollar lose nothing";
}

TEST(PartitionFetcherTest, CellBoundaries) {
  std::vector<int64_t> prices = {100, 500, 1000, 1050, 1500, 2000};
  auto in = [&](const Cell& cell) { return std::count_if(prices.begin(), prices.end(), [&](int64_t c) { return InCell(c, cell); }); };
  EXPECT_EQ(in({3, 15}), 4);
  EXPECT_EQ(in({10, 10}), 1);
  EXPECT_EQ(in({10, std::nullopt}), 4);
}

}  // namespace
}  // namespace di::ingest
