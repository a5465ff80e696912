// Components: the pipeline's parts the roles work with (database pool, queue,
// watermark store, alert sink, Nivoda client and its rate limiter), each behind
// its interface. src/app builds them from the configuration (BuildComponents);
// tests build them from real servers. The parts are thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cloud/alert_sink.h"
#include "cloud/watermark_store.h"
#include "nivoda/nivoda_client.h"
#include "nivoda/rate_limiter.h"
#include "queue/queue.h"
#include "store/pool.h"

namespace di {

struct Components {
  std::string database_url;
  std::shared_ptr<pg::Pool> pool;
  std::shared_ptr<queue::Queue> queue;
  std::shared_ptr<cloud::WatermarkStore> watermark;  // of the first configured feed
  // The watermark store of a feed (each feed has its own watermark); unset:
  // `watermark` serves the first feed and PostgreSQL the others.
  std::function<std::shared_ptr<cloud::WatermarkStore>(const std::string& feed)> watermark_for;
  std::shared_ptr<cloud::AlertSink> alerts;
  std::shared_ptr<nivoda::RateLimiter> limiter;
  std::unique_ptr<nivoda::NivodaClient> client;
  std::shared_ptr<nivoda::ClientObserver> observer;  // fans out to the observers the builder was given
};

// On shutdown: makes in-flight and sleeping Nivoda calls return kCancelled
// promptly (client retries and rate-limiter waits). Safe on partial components.
void CancelNivodaCalls(Components& components);

}  // namespace di
