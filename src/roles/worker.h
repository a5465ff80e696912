// Worker: the long-running `work` role. Each of `partitions` slots leases a
// work item, claims its partition, fetches it (ingest::PartitionFetcher) while
// renewing the lease, and ends it (EndPartitionAndDecide). A full run's
// partition reads its snapshot (`updated <= the run's start`), an incremental
// run's its window; a sweep work item is the run's catch-up (every offer
// updated since the run's start minus catch_up_margin) and then sends the
// consolidation, with force when the catch-up gave up. Failure handling and
// redelivery delays: src/roles/README.md; the paging: src/ingest/README.md.
// On *stop: no new leases; in-flight fetches stop at the next page and their
// items are released at once, the delivery not counted toward
// QUEUE_MAX_DELIVERIES (checkpoints are committed as a pass advances). When
// Nivoda refuses the credentials the worker halts: it fails no partition,
// stops its fetches and gives every item back the same way; fatal() says why
// and its owner is expected to set *stop.
// Thread-safe: Run() once; Handle() from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "common/thread_pool.h"
#include "config/config.h"
#include "ingest/partition_fetcher.h"
#include "queue/messages.h"
#include "roles/components.h"
#include "roles/partition_end.h"
#include "roles/run_attribution.h"

namespace di {

struct WorkerOptions {
  std::string worker_id;        // e.g. host:pid
  int partitions = 12;          // work items handled at once
  // Page/count requests at once, whole process. Little's law: the rate is
  // kept only with rate x latency requests out; 25/s x 2.1 s (1.5 s, +20 ms
  // per 1,000 of offset at a 30,000-offer partition's top) x 1.2 = 63.
  int requests_in_flight = 64;
  ingest::FetchOptions fetch;   // page_size etc.; in_flight is derived
  Millis lease{60000};          // the queue's lease; renewed every third of it
  Millis retry_delay{30000};    // first abandon delay, doubled per delivery (max 10 min)
  int max_deliveries = 10;
  // The run's catch-up reads what changed since the run's start minus this
  // (clock differences between us and the vendor).
  Millis catch_up_margin{120000};
  Millis poll{2000};  // receive wait
  std::string work_queue = queue::kWorkItems;
  CompletionOptions completion;           // its work_queue is set from work_queue
  RunAttribution* attribution = nullptr;  // optional
};

struct WorkerCounters {
  std::atomic<int64_t> completed{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> abandoned{0};
  std::atomic<int64_t> dead_lettered{0};
  std::atomic<int64_t> duplicates{0};
  std::atomic<int64_t> pages{0};
  std::atomic<int64_t> offers{0};
  std::atomic<int64_t> in_flight{0};  // partitions being fetched now
};

class Worker {
 public:
  Worker(Components& components, WorkerOptions options);
  ~Worker();

  // Runs the slots until *STOP; returns when every slot has ended.
  void Run(const std::atomic<bool>& stop);
  // Handles one leased work item to its end (completed, abandoned, dead-lettered).
  void Handle(const queue::Message& message, const std::atomic<bool>& stop);

  const WorkerCounters& counters() const { return counters_; }
  // Why the worker stopped by itself (kUnauthenticated: Nivoda refused the
  // credentials); ok while it has not.
  Status fatal() const;

 private:
  void Halt(const Status& why);
  bool CredentialsRefused(const Status& status) const;
  void Slot(const std::atomic<bool>& stop);
  void Settle(const queue::Message& message, const queue::WorkItem& item, const Status& status, int64_t records);
  void SettleSweep(const queue::Message& message, const queue::WorkItem& item, const Status& status);

  Components& c_;
  WorkerOptions options_;
  ThreadPool requests_;
  // The paging order, chosen once per process (ingest/order_choice.h).
  std::shared_ptr<ingest::OrderChoice> orders_;
  WorkerCounters counters_;
  std::atomic<bool> halted_{false};
  mutable std::mutex fatal_mu_;
  Status fatal_;  // guarded by fatal_mu_
};

// The options from the configuration (worker id from host name and pid).
WorkerOptions MakeWorkerOptions(const Config& config);

}  // namespace di
