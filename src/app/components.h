// Components: the pipeline's parts built from a Config, chosen by what is
// configured (embedded PostgreSQL when DATABASE_URL is unset, the PostgreSQL
// queue and watermark by default, the account-wide rate limiter, the client).
// Built once at start-up on the main thread; the parts are thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "cloud/alert_sink.h"
#include "cloud/watermark_store.h"
#include "nivoda/nivoda_client.h"
#include "nivoda/rate_limiter.h"
#include "queue/queue.h"
#include "store/pool.h"

namespace di {

struct ComponentNeeds {
  bool nivoda = true;  // the client and the rate limiter
  int pool_size = 8;
  // Told about every Nivoda HTTP exchange (metrics, request recording); each
  // must be thread-safe and outlive the components.
  std::vector<nivoda::ClientObserver*> observers;
};

struct Components {
  std::string database_url;
  std::shared_ptr<pg::Pool> pool;
  std::shared_ptr<queue::Queue> queue;
  std::shared_ptr<cloud::WatermarkStore> watermark;
  std::shared_ptr<cloud::AlertSink> alerts;
  std::shared_ptr<nivoda::RateLimiter> limiter;
  std::unique_ptr<nivoda::NivodaClient> client;
  std::shared_ptr<nivoda::ClientObserver> observer;  // fans out to ComponentNeeds::observers
};

const char* FeedName(Feed feed);

// On shutdown: makes in-flight and sleeping Nivoda calls return kCancelled
// promptly (client retries and rate-limiter waits). Safe on partial components.
void CancelNivodaCalls(Components& components);

// Connects (starting the embedded PostgreSQL when DATABASE_URL is unset),
// applies migrations and builds what NEEDS asks for.
Result<Components> BuildComponents(const Config& config, const ComponentNeeds& needs);

// The database URL alone (embedded or configured), for commands that only query.
Result<std::string> ResolveDatabaseUrl(const Config& config);

// ClientOptions for NivodaClient from the configuration.
nivoda::ClientOptions MakeClientOptions(const Config& config, std::shared_ptr<nivoda::RateLimiter> limiter);

}  // namespace di
