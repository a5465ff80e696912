// RawWriter: stores fetched offers in raw_diamonds_nivoda, batched and off the
// fetching thread.
//
// A batch's new stones are COPY'd straight into the table; stones already
// stored are COPY'd into a session temp table and merged with one INSERT ...
// ON CONFLICT (supplier_stone_id): the last run that saw a stone is always
// recorded; payload, hash, offer id, price and source_updated_at are replaced
// only by a version at least as new (source_updated_at), so a late write of an
// older page can never overwrite a newer payload (a changed payload_hash is
// what makes the consolidator map the stone again). The partition's checkpoint (when the batch
// carries one) is saved in the same transaction, so a checkpoint never runs
// ahead of the data it covers. Bad items go to raw_offer_failures.
//
// Submit() queues and returns (blocking only when `max_pending` batches wait);
// a background thread commits batches in order, merging whatever is queued into
// one transaction. Database errors are retried with backoff (reconnecting);
// after `max_attempts` the writer fails and Submit/Flush return the error.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "nivoda/page.h"
#include "store/pool.h"
#include "store/runs.h"

namespace di::ingest {

struct RawBatch {
  std::vector<nivoda::Offer> offers;
  std::vector<nivoda::BadItem> bad_items;
  std::optional<store::Checkpoint> checkpoint;
};

struct RawTarget {
  std::string run_id;
  int partition_id = 0;
  std::string feed;
};

// Writes one batch synchronously in its own transaction on CONN.
Status WriteRawBatch(pg::Connection& conn, const RawTarget& target, const RawBatch& batch);

class RawWriter {
 public:
  RawWriter(std::shared_ptr<pg::Pool> pool, RawTarget target, int max_pending = 8, int max_attempts = 6);
  ~RawWriter();  // flushes (errors are logged) and joins
  RawWriter(const RawWriter&) = delete;
  RawWriter& operator=(const RawWriter&) = delete;

  Status Submit(RawBatch batch);
  // Waits until everything submitted so far is committed.
  Status Flush();

  int64_t offers_written() const;

 private:
  void Loop();
  Status CommitWithRetry(const RawBatch& merged);

  std::shared_ptr<pg::Pool> pool_;
  const RawTarget target_;
  const size_t max_pending_;
  const int max_attempts_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RawBatch> pending_;
  bool busy_ = false;
  bool stopping_ = false;
  Status error_;
  int64_t offers_written_ = 0;
  std::thread thread_;
};

}  // namespace di::ingest
