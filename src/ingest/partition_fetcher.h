// PartitionFetcher: reads every offer of one pass's set, provably, whatever
// the vendor does meanwhile (src/ingest/README.md, "Paging that loses
// nothing", has the algorithm and the argument).
//
// A pass pages one query in a stable order (OrderChoice), every page with the
// query's count from the same request, and links neighbouring pages
// (PageChain): a page that does not link gets a bridge page at once (a short
// page's bridge is the fill at offset + received). Two kinds of set:
// - shrinking (a partition: its window ends in the past, `updated <= T`):
//   pages are requested from the top down, so that a lower page is read later
//   and removals cannot open gaps; the checkpoint is the offset from which
//   every survivor upwards is stored (phase "suffix");
// - growing (the run's catch-up: `updated >= T`): pages from offset 0 up.
//
// Thread-safety: one Run() at a time per object; requests run on POOL's
// threads. Cancellation: set *cancel (checked between pages).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <semaphore>
#include <string>

#include "common/status.h"
#include "common/thread_pool.h"
#include "ingest/order_choice.h"
#include "ingest/page_chain.h"
#include "ingest/price_cells.h"
#include "ingest/raw_writer.h"
#include "nivoda/diamond_query.h"
#include "nivoda/page.h"
#include "store/runs.h"

namespace di::ingest {

// The vendor side of a pass: pages of its query (fixed feed and window)
// narrowed to CELL, each with Page::count, the query's count read in the same
// request.
class OfferSource {
 public:
  virtual ~OfferSource() = default;
  virtual Result<nivoda::Page> FetchPage(const Cell& cell, int64_t offset, int limit, const nivoda::Order& order) = 0;
};

// The durable side: writes batches (asynchronously) and tallies what is stored.
class PartitionSink {
 public:
  virtual ~PartitionSink() = default;
  virtual Status Submit(RawBatch batch) = 0;
  virtual Status Flush() = 0;
  // Stones this run stored inside CELL.
  virtual Result<int64_t> StoredStones(const Cell& cell) = 0;
};

enum class SetKind { kShrinking, kGrowing };

struct FetchOptions {
  int page_size = 50;
  // Neighbouring pages overlap by this many places (offsets page_size -
  // page_overlap apart): the overlap shows an unstable order at once and
  // absorbs a removal between two reads.
  int page_overlap = 1;
  // Requests of this pass at once (the worker sets its whole request pool).
  int in_flight = 12;
  // Optional, shared by the passes of a process: a page holds a slot from its
  // request until it is in the sink, so pages in memory stay bounded.
  std::shared_ptr<std::counting_semaphore<>> page_slots;
  // Offers the plan counted in the partition (-1: unknown): where a shrinking
  // pass starts requesting.
  int64_t expected_records = -1;
  SetKind set = SetKind::kShrinking;
  // The process's order choice (nullptr: a private one).
  std::shared_ptr<OrderChoice> orders;
  // Bridges beyond this many (plus 10% of the pages) fail the pass (retryable).
  int64_t max_bridges = 200;
};

struct FetchStats {
  int64_t pages = 0;            // page requests answered, bridges and probes included
  int64_t offers_received = 0;  // items received, duplicates included
  int64_t bad_items = 0;
  int64_t bridges = 0;   // pages read to close a gap (short pages' fills included)
  int64_t probes = 0;    // pages read to check the order
  int64_t restarts = 0;  // passes restarted because the order proved unstable
  int64_t stones = 0;    // distinct stones stored in the cell at the end
  std::string order;     // the order the pass used
};

class PartitionFetcher {
 public:
  PartitionFetcher(OfferSource& source, PartitionSink& sink, ThreadPool& pool, FetchOptions options,
                   const std::atomic<bool>* cancel);

  // Reads CELL of the source's set, resuming from RESUME (phase "suffix": the
  // survivors from next_offset upwards are stored). kUnavailable when no
  // stable order is left or bridges exceed the bound; kCancelled when cancelled.
  Result<FetchStats> Run(const Cell& cell, const store::Checkpoint& resume);

 private:
  // Probes the orders left on CELL unless the process's choice is confirmed.
  Status EnsureOrder(const Cell& cell);
  // Reads page 0 of CELL twice in ORDER and compares (up to 3 times while the
  // set changes in between); confirms ORDER when stable.
  Result<ProbeVerdict> Probe(const Cell& cell, const nivoda::Order& order);
  // One pass over CELL in ORDER from RESUME_FROM (shrinking: the start of the
  // stored suffix, -1 for none). false when ORDER proved unstable.
  Result<bool> Pass(const Cell& cell, const nivoda::Order& order, int64_t resume_from);
  // The page's view for the chain; its items go to the sink.
  Result<PageView> Take(int64_t offset, nivoda::Page page);
  bool cancelled() const { return cancel_ && cancel_->load(); }

  OfferSource& source_;
  PartitionSink& sink_;
  ThreadPool& pool_;
  FetchOptions options_;
  const std::atomic<bool>* cancel_;
  FetchStats stats_;
};

}  // namespace di::ingest
