// Helpers of the consolidator tests: a fresh database with the pipeline's
// components over it, runs and partitions in a chosen state, raw offers
// written the way the worker writes them (ingest::WriteRawBatch) from a
// realistic nivoda-sim item, and a few typed reads of the result.
//
// Not thread-safe: use from the test's main thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cloud/alert_sink.h"
#include "roles/consolidator.h"
#include "test_database.h"

namespace di::testing {

// Records alerts instead of logging them.
class RecordingAlertSink final : public cloud::AlertSink {
 public:
  void Send(const cloud::Alert& alert) override;
  std::vector<cloud::Alert> alerts() const;
  int Count(const std::string& kind) const;

 private:
  mutable std::mutex mu_;
  std::vector<cloud::Alert> alerts_;
};

// A watermark store that fails every Advance (and counts the attempts).
class FailingWatermarkStore final : public cloud::WatermarkStore {
 public:
  Result<std::optional<cloud::Watermark>> Read() override { return std::optional<cloud::Watermark>(); }
  Status Advance(const cloud::Watermark&) override {
    ++attempts;
    return Status(Code::kUnavailable, "injected: blob storage unreachable");
  }
  std::atomic<int> attempts{0};
};

// One offer to seed: the nivoda-sim natural item of the mapping fixtures with
// its ids, price and a few fields replaced.
struct Stone {
  std::string id;
  int64_t price_cents = 100000;
  std::string availability = "AVAILABLE";
  std::string color = "G";
  double carats = 1.0;
  std::string updated_at = "2026-02-01T00:00:00.000Z";
  bool bad = false;  // carats 0: the mapping rejects it
};

// The item JSON for STONE.
std::string ItemJson(const Stone& stone);

// N stones PREFIX-000, PREFIX-001, ... with varied prices, carats and availability.
std::vector<Stone> Stones(int n, const std::string& prefix = "s", int64_t base_price = 100000);

class ConsolidationEnv {
 public:
  ConsolidationEnv();

  // A run of FEED/RUN_TYPE (full | incremental) with PARTITIONS partitions,
  // COMPLETED of them completed, FAILED failed, the rest in PENDING_STATUS.
  void CreateRun(const std::string& run_id, const std::string& run_type, int partitions, int completed, int failed,
                 const std::string& updated_to = "2026-02-10T00:00:00.000Z", const std::string& feed = "natural");
  void SetPartitionStatus(const std::string& run_id, int partition_id, const std::string& status);
  // Writes STONES as RUN_ID saw them (ingest::WriteRawBatch).
  void WriteRaw(const std::string& run_id, const std::vector<Stone>& stones, const std::string& feed = "natural");

  // RETENTION: pruned after each completed run (none by default).
  Consolidator MakeConsolidator(std::shared_ptr<cloud::WatermarkStore> watermark = nullptr, int batch_size = 7,
                                int parallelism = 2, std::optional<RetentionPolicy> retention = std::nullopt);

  // Reads.
  std::string RunStatus(const std::string& run_id);
  std::optional<std::string> Watermark(const std::string& feed = "natural");  // last_updated_at, ISO
  int64_t Count(const std::string& sql);                                      // a SELECT count(*) ...
  std::string Scalar(const std::string& sql);                                 // first column, first row
  // Every diamonds row (all columns but id/created_at/updated_at/deleted_at) as
  // text, ordered by stone: what "the same result" means for idempotence.
  std::string DiamondsSnapshot();

  TestDatabase db;
  std::unique_ptr<pg::Connection> conn;
  std::shared_ptr<pg::Pool> pool;
  std::shared_ptr<queue::Queue> queue;
  std::shared_ptr<cloud::WatermarkStore> watermark;
  std::shared_ptr<RecordingAlertSink> alerts;
};

// A.ConsolidateRun(RUN_ID) and B.ConsolidateRun(RUN_ID) in two threads at once.
std::pair<Result<ConsolidationReport>, Result<ConsolidationReport>> ConsolidateAtOnce(Consolidator& a, Consolidator& b,
                                                                                      const std::string& run_id);

// C.ConsolidateRun(RUN_ID, FORCE), a gtest failure unless it succeeds.
ConsolidationReport MustConsolidate(Consolidator& c, const std::string& run_id, bool force = false);

}  // namespace di::testing
