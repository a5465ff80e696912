#include "roles/run_publisher.h"

#include <utility>

#include "common/log.h"

namespace di {

RunPublisher::RunPublisher(pg::Connection& conn, queue::Queue& queue, store::NewRun run, queue::WorkItem item)
    : conn_(conn), queue_(queue), run_(std::move(run)), item_(std::move(item)) {}

Status RunPublisher::Publish(const std::vector<plan::Partition>& partitions, bool last, int64_t total,
                             int count_queries) {
  std::vector<store::NewPartition> rows;
  std::vector<queue::OutMessage> messages;
  for (const auto& p : partitions) {
    queue::WorkItem w = item_;
    w.partition_id = p.id;
    w.price_min = p.price_min;
    w.price_max = p.price_max;
    w.expected_records = p.expected_records;
    std::string body = queue::EncodeWorkItem(w);
    queue::OutMessage message;
    message.queue = queue::kWorkItems;
    message.dedup_id = queue::WorkItemDedupId(run_.run_id, p.id, 0);
    message.body = body;
    messages.push_back(std::move(message));
    rows.push_back({p.id, p.price_min, p.price_max, p.expected_records, std::move(body)});
  }
  pg::Transaction tx(conn_);
  DI_RETURN_IF_ERROR(tx.begin_status());
  if (!recorded_) {
    store::NewRun run = run_;
    run.planning = !last;
    run.expected_records = total;
    run.count_queries = count_queries;
    DI_RETURN_IF_ERROR(store::InsertRun(conn_, run, rows));
  } else {
    DI_RETURN_IF_ERROR(store::AddPartitions(conn_, run_.run_id, rows));
    if (last) DI_RETURN_IF_ERROR(store::FinishPlanning(conn_, run_.run_id, count_queries));
  }
  for (const auto& m : messages) DI_RETURN_IF_ERROR(queue_.SendInTransaction(conn_, m));
  if (last && partitions.empty() && !recorded_) DI_RETURN_IF_ERROR(store::SetRunStatus(conn_, run_.run_id, "completed"));
  DI_RETURN_IF_ERROR(tx.Commit());
  recorded_ = true;
  for (const auto& p : partitions) published_[p.id] = p;
  return Status::Ok();
}

Status RunPublisher::PublishEarly(int64_t total, const std::vector<plan::Partition>& partitions) {
  if (partitions.empty()) return Status::Ok();
  DI_RETURN_IF_ERROR(Publish(partitions, /*last=*/false, total, /*count_queries=*/0));
  log::Info("work items published before planning ends",
            {{"run_id", run_.run_id},
             {"partitions", static_cast<int64_t>(partitions.size())},
             {"published", static_cast<int64_t>(published())}});
  return Status::Ok();
}

Status RunPublisher::Finish(const plan::Plan& plan) {
  std::vector<plan::Partition> rest;
  for (const auto& p : plan.partitions) {
    if (published_.count(p.id) == 0) rest.push_back(p);
  }
  if (recorded_ && rest.empty()) {
    return Status(Code::kInternal, "every partition of run " + run_.run_id + " was published before planning ended");
  }
  return Publish(rest, /*last=*/true, plan.total_records, plan.count_queries);
}

bool RunPublisher::PublishedMatch(const plan::Plan& plan) const {
  for (const auto& [id, p] : published_) {
    if (id < 0 || static_cast<size_t>(id) >= plan.partitions.size() || !(plan.partitions[id] == p)) return false;
  }
  return true;
}

Status RunPublisher::Abort(const std::string& why) {
  if (!recorded_) return Status::Ok();
  DI_RETURN_IF_ERROR(store::FailRunsStillPlanning(conn_, why, run_.run_id).status());
  log::Warn("run failed while planning: its published partitions are cancelled",
            {{"run_id", run_.run_id}, {"published", static_cast<int64_t>(published())}, {"error", why}});
  return Status::Ok();
}

}  // namespace di
