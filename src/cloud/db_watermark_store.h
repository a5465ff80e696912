// DbWatermarkStore: the embedded watermark, one row per feed in `watermarks`.
// Thread-safe (each call takes a pooled connection).
#pragma once

#include <memory>

#include "cloud/watermark_store.h"
#include "store/pool.h"

namespace di::cloud {

class DbWatermarkStore final : public WatermarkStore {
 public:
  DbWatermarkStore(std::shared_ptr<pg::Pool> pool, std::string feed) : pool_(std::move(pool)), feed_(std::move(feed)) {}
  Result<std::optional<Watermark>> Read() override;
  Status Advance(const Watermark& next) override;

 private:
  std::shared_ptr<pg::Pool> pool_;
  std::string feed_;
};

}  // namespace di::cloud
