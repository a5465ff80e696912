// PartitionFetcher: fetches every offer of one price partition, provably.
//
// Offset paging alone can skip or repeat offers (no tiebreaker in the order,
// short pages mid-result, inventory churn). So:
// 1. Paging: pages of `page_size` at increasing offsets, up to `in_flight`
//    requests at once, consumed as they arrive (a slow page holds nothing
//    back); each page is written with the checkpoint "every page below this
//    offset is stored" in the same transaction; the first empty page is
//    the end (a short page is not). The order is the insertion order, a
//    unique key: price order has ties (whole-dollar prices shared by hundreds
//    of offers, reshuffled on every call) that page boundaries split, and
//    re-reading them cost 1.6x the pages. Correctness never depends on the
//    order: verification below finds whatever a page boundary skipped.
// 2. Verification, in rounds. In a full run, every round but the first (which
//    counts right after paging) starts by re-fetching what changed since the
//    run began (a "catch-up" pass filtered by `updated`, usually a few pages,
//    repeated every round so one skipped by a pass is read later), so every
//    re-priced or edited stone is stored at its current version and no stale
//    price can mask a missing stone. Then, for every open
//    cell (first: the partition cut into cells of about `verify_cell` stored
//    stones) compare diamonds_by_query_count with the stones this run stored in the
//    cell. A cell is verified when they agree, or when the passes over the cell
//    itself (re-fetches, see below) have seen at least `count` distinct stones
//    in it between them (the extra stored ones were re-priced away or
//    removed; a pass cut short by a short page is completed by the next one).
//    A disagreeing cell is
//    bisected at the median stored price while it is larger than
//    `refetch_max`; small or indivisible cells are re-fetched whole, with a
//    different order each time (insertion, price asc/desc, createdAt asc/desc, ...).
// The partition is done when no cell is open and (full runs) the next round's
// catch-up brought no version not already stored, so the counts were taken on
// a settled inventory; otherwise every cell is verified again. Exact when the
// inventory is quiet at the end; under never-ending churn it ends after
// `max_rounds` with every cell verified at least once (logged). It fails
// (retryably) when cells are still open after `max_rounds`. See
// src/ingest/README.md for the worst case.
//
// Thread-safety: one Run() at a time per object; it uses POOL's threads for
// page and count requests. Cancellation: set *cancel (checked between pages).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <semaphore>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/thread_pool.h"
#include "ingest/price_cells.h"
#include "ingest/raw_writer.h"
#include "nivoda/diamond_query.h"
#include "nivoda/page.h"
#include "store/runs.h"

namespace di::ingest {

// The vendor side, with the partition's fixed filters (feed, updated window).
class OfferSource {
 public:
  virtual ~OfferSource() = default;
  // CHANGED_SINCE (ISO-8601), when set, narrows to offers updated since then.
  virtual Result<nivoda::Page> FetchPage(const Cell& cell, int64_t offset, int limit, const nivoda::Order& order,
                                         const std::optional<std::string>& changed_since) = 0;
  virtual Result<int64_t> Count(const Cell& cell, const std::optional<std::string>& changed_since) = 0;
};

// The durable side: writes batches (asynchronously) and tallies what is stored.
class PartitionSink {
 public:
  virtual ~PartitionSink() = default;
  virtual Status Submit(RawBatch batch) = 0;
  virtual Status Flush() = 0;
  // Sorted prices (cents) of the stones this run stored inside CELL.
  virtual Result<std::vector<int64_t>> StoredPrices(const Cell& cell) = 0;
};

struct FetchOptions {
  int page_size = 50;
  // Consecutive pages overlap by this many offers (offsets page_size -
  // page_overlap apart): a stone removed from an already fetched page shifts
  // the later ones back by one, and without the overlap the first stone of
  // the next page requested afterwards would be skipped, unseen by any count
  // (the removed stone, stored, makes up for it).
  int page_overlap = 1;
  // Page requests of this partition at once. The worker sets its whole
  // request pool: the pool's threads bound the process, shared in FIFO order.
  int in_flight = 12;
  // Optional, shared by the partitions of a process: a page holds a slot from
  // its request until it is handed to the sink, so the pages in memory stay
  // bounded by the slots however slow the writes are (without it, each of 8
  // partitions could hold `in_flight` answered pages behind a slow writer).
  std::shared_ptr<std::counting_semaphore<>> page_slots;
  int64_t refetch_max = 1000;  // cells up to this count are re-fetched, larger ones bisected
  int64_t verify_cell = 2000;  // stored stones per initial verification cell
  // Offers the plan expects in the partition (-1: unknown). Pages are requested
  // in parallel only up to what a known count needs (+1 page); past it one at a
  // time until the empty page, so no pass floods the API with empty pages.
  int64_t expected_records = -1;
  int max_rounds = 12;
  // Full runs: catch-up passes fetch the offers updated since this time (the
  // run's start, minus a margin for clock skew between us and the vendor).
  // nullopt: no catch-up (incremental runs: their window ends at the run start).
  std::optional<WallTime> catch_up_from;
  Millis catch_up_margin{120000};
  // The sweep of a run whose partitions all succeeded: when no offer changed
  // since the run began (the first catch-up count is 0), every partition's own
  // verification still holds, so the sweep ends there.
  bool unchanged_means_verified = false;
};

struct FetchStats {
  int64_t pages = 0;
  int64_t offers_received = 0;  // items received, duplicates included
  int64_t bad_items = 0;
  int64_t count_queries = 0;
  int64_t refetched_cells = 0;
  int64_t bisections = 0;
  int64_t catch_up_offers = 0;  // offers received by catch-up passes
  int rounds = 0;
  int64_t stones = 0;  // distinct stones stored in the partition at the end
};

class PartitionFetcher {
 public:
  PartitionFetcher(OfferSource& source, PartitionSink& sink, ThreadPool& pool, FetchOptions options,
                   const std::atomic<bool>* cancel);

  // Fetches RANGE starting from RESUME (its next_offset and phase).
  Result<FetchStats> Run(const Cell& range, const store::Checkpoint& resume);

 private:
  struct PassResult {
    std::unordered_set<std::string> in_cell;  // distinct stones seen inside the cell
    int64_t novel = 0;                        // offers whose (stone, payload) was not seen before
  };
  // Pages through CELL from OFFSET until an empty page; writes everything.
  // When CHECKPOINT is set, each page's batch carries the paging checkpoint.
  // CHANGED_SINCE: nullptr, or an ISO-8601 time narrowing the pass (catch-up).
  // EXPECTED: offers the pass should find (-1: unknown), bounding parallel pages.
  Result<PassResult> Pass(const Cell& cell, int64_t offset, const nivoda::Order& order, bool checkpoint,
                          const std::string* changed_since, int64_t expected);
  Status Verify(const Cell& range);
  bool cancelled() const { return cancel_ && cancel_->load(); }

  OfferSource& source_;
  PartitionSink& sink_;
  ThreadPool& pool_;
  FetchOptions options_;
  const std::atomic<bool>* cancel_;
  FetchStats stats_;
  struct Known {
    std::string sha256_hex;
    std::string updated_at;
    int64_t price_cents = 0;
  };
  // The newest version of every stone seen in this Run (newest by updated_at,
  // as the raw table keeps it).
  std::unordered_map<std::string, Known> known_;
  // Stones of SEEN whose newest known price lies in CELL.
  int64_t StillInCell(const std::unordered_set<std::string>& seen, const Cell& cell) const;
};

// The orders of successive passes over one cell: 0 pages the partition.
const nivoda::Order& RefetchOrder(int attempt);

}  // namespace di::ingest
