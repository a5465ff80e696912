// The pipeline's queue messages and their JSON form (the seeds' field names).
//
// Decode* validate everything a handler relies on and return kInvalidArgument
// with a reason fit for a dead-letter description. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace di::queue {

// One partition of a run, published by the scheduler (WorkItemMessage).
struct WorkItem {
  std::string run_id;
  int partition_id = 0;
  std::string feed = "natural";      // natural | labgrown
  int64_t price_min = 0;             // whole dollars, inclusive
  std::optional<int64_t> price_max;  // whole dollars, inclusive; nullopt = open-ended
  int64_t expected_records = 0;
  bool is_incremental = false;
  std::optional<std::string> watermark_before;  // ISO-8601
  std::optional<std::string> updated_from;      // ISO-8601; incremental window start
  std::string updated_to;                       // ISO-8601; the run's updatedTo
  // A run-wide sweep (sent when a full run's last partition ends): verify the
  // whole price axis, then send the consolidation (forced when `force`).
  bool sweep = false;
  bool force = false;
};

inline constexpr int kSweepPartition = -1;

// "Consolidate this run" (force: some partitions failed but >= threshold succeeded).
struct ConsolidateRequest {
  std::string run_id;
  bool force = false;
};

std::string EncodeWorkItem(const WorkItem& item);
Result<WorkItem> DecodeWorkItem(std::string_view json);

std::string EncodeConsolidate(const ConsolidateRequest& request);
Result<ConsolidateRequest> DecodeConsolidate(std::string_view json);

// Dedup ids: one per partition publication (attempt counts retries) and run.
std::string WorkItemDedupId(const std::string& run_id, int partition_id, int publication);
std::string ConsolidateDedupId(const std::string& run_id, bool force);
// One sweep per completion of the run: a retried run completes again with a
// different failed count and must be able to sweep again.
std::string SweepDedupId(const std::string& run_id, int failed_partitions);

}  // namespace di::queue
