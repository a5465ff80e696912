#include "ingest/partition_fetcher.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <unordered_set>

#include "common/log.h"
#include "common/sha256.h"

namespace di::ingest {
namespace {

std::string Key(const Cell& c) { return CellName(c); }

// Prefix of the pseudo stone ids of bad items in a pass's `in_cell` set.
constexpr const char* kBadItemKey = "bad-item:";

}  // namespace

const nivoda::Order& RefetchOrder(int attempt) {
  // First the insertion order: a unique key, so offset pages neither skip nor
  // repeat while the inventory is quiet (price order has ties: thousands of
  // offers share whole-dollar prices, reshuffled on every call). Then orders
  // that shuffle any ties of the previous ones differently.
  static const nivoda::Order kOrders[] = {
      {"insert", nivoda::Direction::kAsc},          {"price", nivoda::Direction::kAsc},
      {"price", nivoda::Direction::kDesc},          {"createdAt", nivoda::Direction::kAsc},
      {"createdAt", nivoda::Direction::kDesc},      {"size", nivoda::Direction::kAsc},
      {"price_per_carat", nivoda::Direction::kAsc},
  };
  constexpr int n = sizeof(kOrders) / sizeof(kOrders[0]);
  return kOrders[((attempt % n) + n) % n];
}

PartitionFetcher::PartitionFetcher(OfferSource& source, PartitionSink& sink, ThreadPool& pool, FetchOptions options,
                                   const std::atomic<bool>* cancel)
    : source_(source), sink_(sink), pool_(pool), options_(options), cancel_(cancel) {}

Result<PartitionFetcher::PassResult> PartitionFetcher::Pass(const Cell& cell, int64_t offset,
                                                            const nivoda::Order& order, bool checkpoint,
                                                            const std::string* changed_since, int64_t expected) {
  const int limit = options_.page_size;
  const int step = std::max(1, limit - options_.page_overlap);  // offsets apart: pages overlap
  // Parallel up to the page that should be empty; then one page at a time.
  const int64_t parallel_until = expected < 0 ? INT64_MAX : offset + (expected / step + 2) * step;
  // Pages are consumed in the order they arrive, and each arrival frees a
  // place for the next request: a slow page never holds the others back.
  struct Arrivals {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::pair<int64_t, Result<nivoda::Page>>> pages;
  };
  auto arrivals = std::make_shared<Arrivals>();
  std::counting_semaphore<>* slots = options_.page_slots.get();
  int outstanding = 0;
  std::set<int64_t> arrived;  // offsets past the checkpoint frontier that arrived
  int64_t frontier = offset;  // every page below it has arrived
  int64_t next = offset;
  int64_t end = INT64_MAX;
  std::unordered_set<std::string> in_cell;
  int64_t novel = 0;
  Status failure;
  // Shared by the page tasks (an optional<string> copied into each lambda trips
  // GCC 12's maybe-uninitialized false positive).
  auto since = std::make_shared<const std::optional<std::string>>(
      changed_since ? std::optional<std::string>(*changed_since) : std::nullopt);
  while (true) {
    const int window = next < parallel_until ? std::max(1, options_.in_flight) : 1;
    while (failure.ok() && !cancelled() && next < end && outstanding < window) {
      // A partition with nothing outstanding may wait for a slot (it holds
      // none, so no partition waits on another's unconsumed pages); one with
      // pages outstanding only takes a free slot.
      if (slots != nullptr) {
        if (outstanding == 0) {
          slots->acquire();
        } else if (!slots->try_acquire()) {
          break;
        }
      }
      const int64_t off = next;
      (void)pool_.Submit([this, cell, off, limit, order, since, arrivals] {
        Result<nivoda::Page> page = cancelled() ? Result<nivoda::Page>(Status(Code::kCancelled, "fetch cancelled"))
                                                : source_.FetchPage(cell, off, limit, order, *since);
        std::lock_guard<std::mutex> lock(arrivals->mu);
        arrivals->pages.emplace_back(off, std::move(page));
        arrivals->cv.notify_one();
      });
      ++outstanding;
      next += step;
    }
    if (outstanding == 0) break;
    int64_t off = 0;
    Result<nivoda::Page> page = Status(Code::kInternal, "no page");
    {
      std::unique_lock<std::mutex> lock(arrivals->mu);
      arrivals->cv.wait(lock, [&] { return !arrivals->pages.empty(); });
      off = arrivals->pages.front().first;
      page = std::move(arrivals->pages.front().second);
      arrivals->pages.pop_front();
    }
    --outstanding;
    // The slot is given back once the page is in the sink (or dropped).
    struct SlotReturn {
      std::counting_semaphore<>* slots;
      ~SlotReturn() {
        if (slots != nullptr) slots->release();
      }
    } slot_return{slots};
    if (!failure.ok()) continue;  // draining after a failure
    if (!page.ok()) {
      failure = page.status();
      continue;
    }
    arrived.insert(off);
    const int64_t before = frontier;
    while (!arrived.empty() && *arrived.begin() == frontier) {
      arrived.erase(arrived.begin());
      frontier += step;
    }
    ++stats_.pages;
    if (page->end()) {
      end = std::min(end, off);
      continue;
    }
    stats_.offers_received += static_cast<int64_t>(page->item_count());
    stats_.bad_items += static_cast<int64_t>(page->bad_items.size());
    // An item the parser rejected (no diamond.id or price) is still counted by
    // the vendor's count of the queried cell: count it as seen there, once per
    // distinct item, or a cell holding one would never verify.
    for (const auto& b : page->bad_items) in_cell.insert(kBadItemKey + Sha256Hex(b.raw_json));
    for (const auto& o : page->offers) {
      if (InCell(o.price_cents, cell)) in_cell.insert(o.stone_id);
      auto [it, inserted] = known_.try_emplace(o.stone_id, Known{o.sha256_hex, o.updated_at, o.price_cents});
      if (!inserted && it->second.sha256_hex != o.sha256_hex &&
          (o.updated_at.empty() || o.updated_at >= it->second.updated_at)) {
        it->second = Known{o.sha256_hex, o.updated_at, o.price_cents};
        ++novel;
      } else if (inserted) {
        ++novel;
      }
    }
    RawBatch batch{std::move(page->offers), std::move(page->bad_items), std::nullopt};
    if (checkpoint && frontier > before) {
      batch.checkpoint = store::Checkpoint{frontier, "paging", stats_.pages, stats_.offers_received};
    }
    failure = sink_.Submit(std::move(batch));
  }
  if (failure.ok() && cancelled()) failure = Status(Code::kCancelled, "fetch cancelled");
  if (!failure.ok()) return failure;
  return PassResult{std::move(in_cell), novel};
}

int64_t PartitionFetcher::StillInCell(const std::unordered_set<std::string>& seen, const Cell& cell) const {
  int64_t n = 0;
  for (const auto& id : seen) {
    if (id.rfind(kBadItemKey, 0) == 0) {  // seen by a query filtered to the cell
      ++n;
      continue;
    }
    auto it = known_.find(id);
    if (it != known_.end() && InCell(it->second.price_cents, cell)) ++n;
  }
  return n;
}

Status PartitionFetcher::Verify(const Cell& range) {
  std::vector<Cell> open;
  {
    DI_ASSIGN_OR_RETURN(std::vector<int64_t> stored, sink_.StoredPrices(range));
    open = SplitIntoCells(range, stored, options_.verify_cell);
  }
  std::map<std::string, std::unordered_set<std::string>> seen;  // per cell, over its passes
  std::map<std::string, int> attempts;
  std::optional<WallTime> changed_since = options_.catch_up_from;
  // Done when every cell of the range was verified in the rounds since the
  // range was last split, every one of them between settled catch-ups (the
  // inventory did not change meanwhile). Not "in one round": a cell whose
  // stored stones the vendor no longer lists there (removed, or re-priced into
  // a partition that already ended) never matches its count, so it is verified
  // by a re-fetch, a round later; requiring it in the round of the split was a
  // livelock until max_rounds. Without catch-up, when no cell is open.
  const bool catch_up = changed_since.has_value();
  bool clean = true;          // every round since the last split was settled
  bool verified_all = false;  // the previous round verified the whole range on a settled state
  for (int round = 0; round < options_.max_rounds; ++round) {
    if (cancelled()) return Status(Code::kCancelled, "fetch cancelled");
    stats_.rounds = round + 1;
    bool settled = true;
    // Round 0 of a partition needs no catch-up before its counts: the one
    // after them (next round) brackets the pages and the counts together (a
    // change at any time since the run began is a version it finds unstored).
    if (catch_up && (round > 0 || options_.unchanged_means_verified)) {
      // Always since the run's start: a stone skipped by one catch-up pass
      // (offsets shift while the inventory changes) is read by the next one.
      std::string since = FormatIso8601(*changed_since - options_.catch_up_margin);
      DI_ASSIGN_OR_RETURN(int64_t changed, source_.Count(range, since));
      ++stats_.count_queries;
      if (changed == 0 && round == 0 && options_.unchanged_means_verified) return Status::Ok();
      if (changed > 0) {
        int64_t before = stats_.offers_received;
        DI_ASSIGN_OR_RETURN(PassResult caught, Pass(range, 0, RefetchOrder(0), /*checkpoint=*/false, &since, changed));
        stats_.catch_up_offers += stats_.offers_received - before;
        // Settled: the pass brought nothing new and saw every changed offer
        // (a pass can skip one while offsets shift under churn).
        settled = caught.novel == 0;
        if (settled) {
          DI_ASSIGN_OR_RETURN(int64_t after, source_.Count(range, since));
          ++stats_.count_queries;
          settled = static_cast<int64_t>(caught.in_cell.size()) >= after;
        }
      }
    }
    if (verified_all && settled) return Status::Ok();
    DI_RETURN_IF_ERROR(sink_.Flush());
    if (open.empty()) {
      DI_ASSIGN_OR_RETURN(std::vector<int64_t> stored, sink_.StoredPrices(range));
      open = SplitIntoCells(range, stored, options_.verify_cell);
      seen.clear();
      clean = true;
    }
    clean = clean && settled;
    std::vector<std::future<Result<int64_t>>> counts;
    for (const Cell& c : open) counts.push_back(pool_.Submit([this, c] { return source_.Count(c, std::nullopt); }));
    std::vector<Result<int64_t>> answers;
    for (auto& f : counts) answers.push_back(f.get());
    stats_.count_queries += static_cast<int64_t>(open.size());
    for (const auto& a : answers) DI_RETURN_IF_ERROR(a.status());
    DI_ASSIGN_OR_RETURN(std::vector<int64_t> stored, sink_.StoredPrices(range));

    std::vector<Cell> next;
    for (size_t i = 0; i < open.size(); ++i) {
      const Cell& cell = open[i];
      int64_t expected = *answers[i];
      int64_t local = CountInCell(stored, cell);
      auto pass = seen.find(Key(cell));
      if (local == expected || (pass != seen.end() && StillInCell(pass->second, cell) >= expected)) {
        log::Debug("cell verified", {{"cell", CellName(cell)},
                                     {"expected", expected},
                                     {"stored", local},
                                     {"seen", pass != seen.end() ? StillInCell(pass->second, cell) : -1},
                                     {"round", round}});
        continue;
      }
      if (expected > options_.refetch_max) {
        if (auto halves = Bisect(cell, stored)) {
          ++stats_.bisections;
          next.push_back(halves->first);
          next.push_back(halves->second);
          continue;
        }
      }
      int attempt = attempts[Key(cell)]++;
      log::Debug("re-fetching cell",
                 {{"cell", CellName(cell)}, {"expected", expected}, {"stored", local}, {"attempt", attempt}});
      DI_ASSIGN_OR_RETURN(PassResult r, Pass(cell, 0, RefetchOrder(attempt), false, nullptr, expected));
      ++stats_.refetched_cells;
      seen[Key(cell)].insert(r.in_cell.begin(), r.in_cell.end());
      next.push_back(cell);
    }
    verified_all = next.empty() && clean;
    if (verified_all && !catch_up) return Status::Ok();
    open = std::move(next);
  }
  if (open.empty()) {
    log::Warn("partition verified, but the inventory kept changing until the last round",
              {{"rounds", options_.max_rounds}, {"range", CellName(range)}});
    return Status::Ok();
  }
  std::string names;
  for (size_t i = 0; i < open.size() && i < 5; ++i) names += (i ? ", " : "") + CellName(open[i]);
  return Status(Code::kUnavailable, "partition did not verify after " + std::to_string(options_.max_rounds) +
                                        " rounds; open cells: " + names);
}

Result<FetchStats> PartitionFetcher::Run(const Cell& range, const store::Checkpoint& resume) {
  stats_ = FetchStats{};
  known_.clear();
  stats_.pages = resume.pages_fetched;
  stats_.offers_received = resume.records_fetched;
  if (resume.phase == "paging") {
    int64_t expected =
        options_.expected_records < 0 ? -1 : std::max<int64_t>(0, options_.expected_records - resume.next_offset);
    DI_RETURN_IF_ERROR(
        Pass(range, resume.next_offset, RefetchOrder(0), /*checkpoint=*/true, nullptr, expected).status());
    DI_RETURN_IF_ERROR(
        sink_.Submit(RawBatch{{}, {}, store::Checkpoint{0, "verifying", stats_.pages, stats_.offers_received}}));
  }
  DI_RETURN_IF_ERROR(Verify(range));
  DI_RETURN_IF_ERROR(
      sink_.Submit(RawBatch{{}, {}, store::Checkpoint{0, "done", stats_.pages, stats_.offers_received}}));
  DI_RETURN_IF_ERROR(sink_.Flush());
  DI_ASSIGN_OR_RETURN(std::vector<int64_t> stored, sink_.StoredPrices(range));
  stats_.stones = CountInCell(stored, range);
  return stats_;
}

}  // namespace di::ingest
