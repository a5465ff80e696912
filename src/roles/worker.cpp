#include "roles/worker.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/backoff.h"
#include "common/log.h"
#include "ingest/nivoda_offer_source.h"
#include "ingest/raw_partition_sink.h"
#include "roles/consume_loop.h"
#include "store/runs.h"

namespace di {
namespace {

bool IsPermanent(const Status& s) { return s.code() == Code::kPermanent || s.code() == Code::kInvalidArgument; }

// Renews the lease every third of its length until stopped; sets *lost when
// the queue says the lease is gone.
class LeaseKeeper {
 public:
  LeaseKeeper(queue::Queue& q, const queue::Message& m, Millis every, std::atomic<bool>* lost)
      : thread_([this, &q, &m, every, lost] {
          std::unique_lock<std::mutex> lock(mu_);
          while (!done_) {
            if (cv_.wait_for(lock, every, [this] { return done_; })) return;
            lock.unlock();
            Status s = q.RenewLease(m);
            lock.lock();
            if (s.code() == Code::kConflict) {
              log::Warn("work item lease lost; stopping its fetch", {{"message_id", m.id}});
              *lost = true;
              return;
            }
            if (!s.ok()) log::Warn("lease renewal failed; will retry", {{"error", s.ToString()}});
          }
        }) {}
  ~LeaseKeeper() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

std::string Hostname() {
  char buf[256] = {0};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

}  // namespace

WorkerOptions MakeWorkerOptions(const Config& config) {
  WorkerOptions o;
  o.worker_id = Hostname() + ":" + std::to_string(getpid());
  o.partitions = config.worker_partitions;
  o.requests_in_flight = config.worker_requests_in_flight;
  o.fetch.page_size = config.page_size;
  o.lease = config.queue_lease;
  o.retry_delay = config.queue_retry_delay;
  o.max_deliveries = config.queue_max_deliveries;
  o.work_queue = config.work_items_queue;
  o.completion = CompletionOptionsFrom(config);
  return o;
}

Worker::Worker(Components& components, WorkerOptions options)
    : c_(components),
      options_(std::move(options)),
      requests_(options_.requests_in_flight),
      orders_(std::make_shared<ingest::OrderChoice>()) {
  // A partition may have every request of the process in flight: the pool
  // (one thread per request) is the bound, shared first come first served, so
  // a partition near its end (a few pages) leaves the rest to others.
  options_.fetch.in_flight = std::max(1, options_.requests_in_flight);
  options_.fetch.page_slots = std::make_shared<std::counting_semaphore<>>(options_.fetch.in_flight);
}

Worker::~Worker() = default;

void Worker::Run(const std::atomic<bool>& stop) {
  std::vector<std::thread> slots;
  for (int i = 0; i < options_.partitions; ++i) slots.emplace_back([this, &stop] { Slot(stop); });
  for (auto& t : slots) t.join();
}

Status Worker::fatal() const {
  std::lock_guard<std::mutex> lock(fatal_mu_);
  return fatal_;
}

void Worker::Halt(const Status& why) {
  {
    std::lock_guard<std::mutex> lock(fatal_mu_);
    if (fatal_.ok()) fatal_ = why;
  }
  if (!halted_.exchange(true)) log::Error("worker stopping: " + why.message());
}

bool Worker::CredentialsRefused(const Status& status) const {
  return status.code() == Code::kPermanent && c_.client->counters().authentications_refused > 0;
}

void Worker::Slot(const std::atomic<bool>& stop) {
  ConsumeUntilStopped(*c_.queue, options_.work_queue, options_.poll, "work items", stop,
                      [&](const queue::Message& m) { Handle(m, stop); });
}

void Worker::Handle(const queue::Message& message, const std::atomic<bool>& stop) {
  auto item = queue::DecodeWorkItem(message.body);
  if (!item.ok()) {
    ++counters_.dead_lettered;
    (void)c_.queue->DeadLetter(message, "MalformedWorkItem", item.status().message());
    c_.alerts->Send({"dead_letter", "", "work item dead-lettered: " + item.status().message(),
                     "A work item could not be decoded (" + item.status().message() +
                         ") and was moved to the dead letters of " + message.queue +
                         ". Body: " + message.body.substr(0, 500)});
    return;
  }
  if (halted_ || stop) {  // halted until the owner stops the worker, or stopping: give items back untouched
    (void)c_.queue->Release(message);
    return;
  }
  const std::string& run = item->run_id;
  if (options_.attribution) options_.attribution->EnterRun(run);
  struct LeaveOnExit {
    RunAttribution* to;
    const std::string& run;
    ~LeaveOnExit() {
      if (to) to->LeaveRun(run);
    }
  } leave{options_.attribution, run};
  if (item->sweep) {
    auto status = [&]() -> Result<std::string> {
      DI_ASSIGN_OR_RETURN(auto conn, c_.pool->Acquire());
      DI_ASSIGN_OR_RETURN(auto r, conn->Exec("SELECT status FROM run_metadata WHERE run_id = $1", {pg::P(run)}));
      return r.rows() == 0 ? std::string() : r.GetString(0, 0);
    }();
    if (!status.ok()) {
      (void)c_.queue->Abandon(message, DoublingDelay(options_.retry_delay, message.delivery_count));
      return;
    }
    if (status->empty()) {
      ++counters_.dead_lettered;
      (void)c_.queue->DeadLetter(message, "UnknownRun", "no run " + run);
      return;
    }
    if (*status != "running") {  // consolidation already started: the sweep is a duplicate
      ++counters_.duplicates;
      (void)c_.queue->Complete(message);
      return;
    }
  } else {
    auto claim = [&]() -> Result<store::ClaimResult> {
      DI_ASSIGN_OR_RETURN(auto conn, c_.pool->Acquire());
      return store::ClaimPartition(*conn, run, item->partition_id, options_.worker_id);
    }();
    if (!claim.ok()) {
      Settle(message, *item, claim.status(), 0);
      return;
    }
    if (*claim == store::ClaimResult::kUnknown) {
      ++counters_.dead_lettered;
      std::string why = "no partition " + std::to_string(item->partition_id) + " in run " + run;
      (void)c_.queue->DeadLetter(message, "UnknownPartition", why);
      c_.alerts->Send({"dead_letter", run, "work item dead-lettered: " + why,
                       "A work item names a run or partition that does not exist (" + why + ")."});
      return;
    }
    if (*claim == store::ClaimResult::kAlreadyEnded) {
      ++counters_.duplicates;
      (void)c_.queue->Complete(message);
      return;
    }
  }

  std::atomic<bool> cancel{false};
  std::atomic<bool> lease_lost{false};
  Result<ingest::FetchStats> fetched = Status(Code::kInternal, "not run");
  {
    LeaseKeeper keeper(*c_.queue, message, std::max(Millis(200), options_.lease / 3), &lease_lost);
    std::atomic<bool> done{false};
    std::thread watcher([&] {
      while (!done) {
        if (stop || lease_lost || halted_) cancel = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
    ++counters_.in_flight;
    fetched = [&]() -> Result<ingest::FetchStats> {
      store::Checkpoint cp;
      if (!item->sweep) {
        DI_ASSIGN_OR_RETURN(auto conn, c_.pool->Acquire());
        DI_ASSIGN_OR_RETURN(cp, store::LoadCheckpoint(*conn, run, item->partition_id));
      }
      // Every pass reads a set that only shrinks while it is read, except the
      // run's catch-up (the sweep), which reads what changed since the run began.
      nivoda::DiamondQuery base;
      base.labgrown = item->feed == "labgrown";
      ingest::FetchOptions fo = options_.fetch;
      fo.orders = orders_;
      fo.expected_records = item->sweep ? -1 : item->expected_records;
      if (item->sweep) {
        WallTime run_start;
        if (!ParseIso8601(item->updated_to, &run_start)) {
          return Status(Code::kInvalidArgument, "work item updated_to is not ISO-8601: " + item->updated_to);
        }
        base.updated = nivoda::TimeRange{FormatIso8601(run_start - options_.catch_up_margin), std::nullopt};
        fo.set = ingest::SetKind::kGrowing;
      } else {
        base.updated = nivoda::TimeRange{item->updated_from, item->updated_to};
      }
      ingest::NivodaOfferSource source(*c_.client, base);
      ingest::RawPartitionSink sink(c_.pool, {run, item->partition_id, item->feed});
      ingest::PartitionFetcher fetcher(source, sink, requests_, fo, &cancel);
      log::Info("partition started", {{"run_id", run},
                                      {"partition_id", item->partition_id},
                                      {"price_min", item->price_min},
                                      {"price_max", item->price_max ? *item->price_max : -1},
                                      {"resume_offset", cp.next_offset},
                                      {"phase", cp.phase},
                                      {"delivery", message.delivery_count}});
      return fetcher.Run({item->price_min, item->price_max}, cp);
    }();
    --counters_.in_flight;
    done = true;
    watcher.join();
  }
  if (fetched.ok()) {
    counters_.pages += fetched->pages;
    counters_.offers += fetched->offers_received;
    log::Info("partition fetched", {{"run_id", run},
                                    {"partition_id", item->partition_id},
                                    {"stones", fetched->stones},
                                    {"pages", fetched->pages},
                                    {"offers", fetched->offers_received},
                                    {"bridges", fetched->bridges},
                                    {"probes", fetched->probes},
                                    {"restarts", fetched->restarts},
                                    {"order", fetched->order}});
  }
  if (lease_lost && !fetched.ok()) return;  // the item is someone else's now
  if (!fetched.ok() && CredentialsRefused(fetched.status())) {
    // Every partition would fail the same way: give the item back uncounted, fail nothing, stop.
    ++counters_.abandoned;
    (void)c_.queue->Release(message);
    Halt(Status(Code::kUnauthenticated, "Nivoda refused the credentials (NIVODA_USERNAME, NIVODA_PASSWORD at " +
                                            std::string("NIVODA_ENDPOINT): ") + fetched.status().message()));
    return;
  }
  if (item->sweep) {
    SettleSweep(message, *item, fetched.status());
  } else {
    Settle(message, *item, fetched.status(), fetched.ok() ? fetched->stones : 0);
  }
}

void Worker::SettleSweep(const queue::Message& message, const queue::WorkItem& item, const Status& status) {
  if (status.code() == Code::kCancelled) {
    ++counters_.abandoned;
    (void)c_.queue->Release(message);
    return;
  }
  if (!status.ok() && !IsPermanent(status) && message.delivery_count < options_.max_deliveries) {
    ++counters_.abandoned;
    (void)c_.queue->Abandon(message, DoublingDelay(options_.retry_delay, message.delivery_count));
    log::Warn("run sweep failed; retrying later", {{"run_id", item.run_id}, {"error", status.ToString()}});
    return;
  }
  // Without the catch-up, a stone that changed after the run began may be
  // unseen: consolidate with force (no soft delete, watermark kept).
  const bool force = item.force || !status.ok();
  if (!status.ok()) {
    log::Error("run catch-up gave up; consolidating with force (no soft delete)",
               {{"run_id", item.run_id}, {"error", status.ToString()}});
  }
  Status sent = [&]() -> Status {
    DI_ASSIGN_OR_RETURN(auto conn, c_.pool->Acquire());
    pg::Transaction tx(*conn);
    DI_RETURN_IF_ERROR(tx.begin_status());
    DI_RETURN_IF_ERROR(SendConsolidation(*conn, *c_.queue, item.run_id, force, options_.completion));
    return tx.Commit();
  }();
  if (!sent.ok()) {
    ++counters_.abandoned;
    (void)c_.queue->Abandon(message, DoublingDelay(options_.retry_delay, message.delivery_count));
    return;
  }
  log::Info("run catch-up done; consolidation sent", {{"run_id", item.run_id}, {"force", force}});
  ++counters_.completed;
  (void)c_.queue->Complete(message);
}

void Worker::Settle(const queue::Message& message, const queue::WorkItem& item, const Status& status, int64_t records) {
  const log::Fields where = {{"run_id", item.run_id}, {"partition_id", item.partition_id}};
  if (status.code() == Code::kCancelled) {
    // A graceful stop: given back once, its delivery not counted toward QUEUE_MAX_DELIVERIES.
    ++counters_.abandoned;
    (void)c_.queue->Release(message);
    log::Info("partition interrupted; work item returned to the queue", where);
    return;
  }
  bool give_up = !status.ok() && (IsPermanent(status) || message.delivery_count >= options_.max_deliveries);
  if (!status.ok() && !give_up) {
    ++counters_.abandoned;
    Millis delay = DoublingDelay(options_.retry_delay, message.delivery_count);
    Status s = c_.queue->Abandon(message, delay);
    log::Warn("partition attempt failed; retrying later", {{"run_id", item.run_id},
                                                           {"partition_id", item.partition_id},
                                                           {"error", status.ToString()},
                                                           {"delivery", message.delivery_count},
                                                           {"retry_in_ms", static_cast<int64_t>(delay.count())},
                                                           {"abandon", s.ok() ? "ok" : s.ToString()}});
    return;
  }
  PartitionEnd end{item, item.run_id, item.partition_id, status.ok(), records, ""};
  if (!status.ok()) {
    end.error = status.ToString();
    if (!IsPermanent(status)) end.error += " (gave up after " + std::to_string(message.delivery_count) + " deliveries)";
  }
  auto ended = EndPartitionAndDecide(*c_.pool, *c_.queue, *c_.alerts, end, options_.completion);
  if (!ended.ok()) {
    ++counters_.abandoned;
    log::Warn("cannot record the partition's end; retrying later",
              {{"run_id", item.run_id}, {"error", ended.status().ToString()}});
    (void)c_.queue->Abandon(message, DoublingDelay(options_.retry_delay, message.delivery_count));
    return;
  }
  if (status.ok()) {
    ++counters_.completed;
  } else {
    ++counters_.failed;
    log::Error("partition failed",
               {{"run_id", item.run_id}, {"partition_id", item.partition_id}, {"error", end.error}});
  }
  (void)c_.queue->Complete(message);
}

}  // namespace di
