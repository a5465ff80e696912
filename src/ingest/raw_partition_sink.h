// RawPartitionSink: the PartitionSink of a work item over PostgreSQL: writes
// through a RawWriter, tallies from raw_diamonds_nivoda (stones whose last
// run is this run). Thread-safe.
#pragma once

#include <memory>

#include "ingest/partition_fetcher.h"
#include "ingest/raw_writer.h"
#include "store/pool.h"

namespace di::ingest {

class RawPartitionSink final : public PartitionSink {
 public:
  RawPartitionSink(std::shared_ptr<pg::Pool> pool, RawTarget target)
      : pool_(pool), target_(target), writer_(std::move(pool), std::move(target)) {}

  Status Submit(RawBatch batch) override { return writer_.Submit(std::move(batch)); }
  Status Flush() override { return writer_.Flush(); }
  Result<int64_t> StoredStones(const Cell& cell) override;

 private:
  std::shared_ptr<pg::Pool> pool_;
  RawTarget target_;
  RawWriter writer_;
};

}  // namespace di::ingest
