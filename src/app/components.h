// BuildComponents: the pipeline's parts (roles/components.h) built from a
// Config, chosen by what is configured (embedded PostgreSQL when DATABASE_URL is unset, the PostgreSQL
// queue and watermark by default, the account-wide rate limiter, the client).
// Built once at start-up on the main thread; the parts are thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "nivoda/nivoda_client.h"
#include "roles/components.h"

namespace di {

struct ComponentNeeds {
  bool nivoda = true;  // the client and the rate limiter
  int pool_size = 8;
  // Told about every Nivoda HTTP exchange (metrics, request recording); each
  // must be thread-safe and outlive the components.
  std::vector<nivoda::ClientObserver*> observers;
};

// Connects (starting the embedded PostgreSQL when DATABASE_URL is unset),
// applies migrations and builds what NEEDS asks for.
Result<Components> BuildComponents(const Config& config, const ComponentNeeds& needs);

// For `schedule --dry-run` without a database: the Nivoda client under a
// local token bucket at NIVODA_RATE_LIMIT (with no database, no account-wide
// budget can be shared), the Azure Blob watermark when configured, else none
// (a full run). No pool, no queue.
Result<Components> BuildDatabaseFreeComponents(const Config& config);

// The embedded PostgreSQL's directory: DI_DATA_DIR/pg ("" when DI_DATA_DIR has no value).
std::string EmbeddedPostgresDir(const Config& config);

// The database URL alone (embedded or configured), for commands that only query.
Result<std::string> ResolveDatabaseUrl(const Config& config);

// Applies the dead letters of both queues not handled yet to their partitions
// and runs (roles/dead_letters.h): a Service Bus dead-letter queue is drained
// into queue_dead_letters. Returns how many were handled.
Result<int> ApplyDeadLetters(Components& components, const Config& config);

// ClientOptions for NivodaClient from the configuration.
nivoda::ClientOptions MakeClientOptions(const Config& config, std::shared_ptr<nivoda::RateLimiter> limiter);

}  // namespace di
