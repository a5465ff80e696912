// Retry of failed partitions (the seeds' worker:retry): in one transaction,
// reset the run's failed partitions (all, or one) to pending, undo their
// failed count, put the run back to running, and re-publish each original work
// item (it resumes from its checkpoint). Returns the partitions re-published;
// kNotFound for an unknown run, kConflict for a cancelled one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "queue/queue.h"
#include "store/pool.h"

namespace di {

Result<std::vector<int>> RetryFailedPartitions(pg::Pool& pool, queue::Queue& queue, const std::string& work_queue,
                                               const std::string& run_id, std::optional<int> partition);

}  // namespace di
