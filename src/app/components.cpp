#include "app/components.h"

#include <map>

#include "cloud/blob_watermark_store.h"
#include "cloud/db_watermark_store.h"
#include "cloud/resend_alert_sink.h"
#include "common/log.h"
#include "http/curl_transport.h"
#include "nivoda/token_bucket_limiter.h"
#include "queue/postgres_queue.h"
#include "queue/servicebus_queue.h"
#include "ratelimit/account_rate_limiter.h"
#include "roles/dead_letters.h"
#include "store/embedded_postgres.h"
#include "store/migrations.h"

namespace di {
namespace {

class FanOutObserver final : public nivoda::ClientObserver {
 public:
  explicit FanOutObserver(std::vector<nivoda::ClientObserver*> targets) : targets_(std::move(targets)) {}
  void OnCall(const nivoda::CallEvent& event) override {
    for (auto* t : targets_) t->OnCall(event);
  }

 private:
  std::vector<nivoda::ClientObserver*> targets_;
};

// The watermark of a dry run without a database: none yet, so a full run.
class NoWatermarkStore final : public cloud::WatermarkStore {
 public:
  Result<std::optional<cloud::Watermark>> Read() override { return std::optional<cloud::Watermark>(); }
  Status Advance(const cloud::Watermark&) override {
    return Status(Code::kInternal, "no watermark store without a database");
  }
};

// FEED's watermark: Azure Blob when configured, else the database's row
// (POOL), else none.
std::shared_ptr<cloud::WatermarkStore> MakeWatermarkStore(const Config& config, const std::shared_ptr<pg::Pool>& pool,
                                                          const std::string& feed) {
  if (config.azure_storage) {
    const StorageConnectionString& s = *config.azure_storage;
    return std::make_shared<cloud::BlobWatermarkStore>(
        cloud::BlobAccount{s.account_name, s.account_key, s.blob_endpoint}, cloud::WatermarkBlobFor(feed));
  }
  if (!pool) return std::make_shared<NoWatermarkStore>();
  return std::make_shared<cloud::DbWatermarkStore>(pool, feed);
}

// One watermark store per feed, each made once; C.watermark is the first configured feed's.
void AttachWatermarks(const Config& config, const std::shared_ptr<pg::Pool>& pool, Components& c) {
  std::map<std::string, std::shared_ptr<cloud::WatermarkStore>> watermarks;
  for (Feed feed : {Feed::kNatural, Feed::kLabgrown}) {
    watermarks[FeedName(feed)] = MakeWatermarkStore(config, pool, FeedName(feed));
  }
  if (config.azure_storage) {
    log::Info("watermark: Azure Blob", {{"blob", "watermarks/" + cloud::WatermarkBlobFor(FeedName(config.feed)).blob},
                                        {"endpoint", config.azure_storage->blob_endpoint}});
  }
  c.watermark = watermarks.at(FeedName(config.feed));
  c.watermark_for = [watermarks](const std::string& feed) -> std::shared_ptr<cloud::WatermarkStore> {
    auto it = watermarks.find(feed);
    return it == watermarks.end() ? nullptr : it->second;
  };
}

}  // namespace

std::string EmbeddedPostgresDir(const Config& config) {
  return config.data_dir.empty() ? std::string() : config.data_dir + "/pg";
}

Result<std::string> ResolveDatabaseUrl(const Config& config) {
  if (!config.database_url.empty()) return config.database_url;
  if (config.data_dir.empty()) {
    return Status(Code::kInvalidArgument,
                  "DI_DATA_DIR: unset, and neither XDG_DATA_HOME nor HOME gives a default (the embedded PostgreSQL "
                  "needs a directory, as DATABASE_URL is unset)");
  }
  pg::EmbeddedOptions options;
  options.dir = EmbeddedPostgresDir(config);
  DI_ASSIGN_OR_RETURN(std::string url, pg::EmbeddedPostgres::StartOrReuse(options));
  log::Info("DATABASE_URL is unset: using the embedded PostgreSQL", {{"dir", options.dir}, {"url", url}});
  return url;
}

nivoda::ClientOptions MakeClientOptions(const Config& config, std::shared_ptr<nivoda::RateLimiter> limiter) {
  nivoda::ClientOptions o;
  o.endpoint = config.nivoda_endpoint;
  o.username = config.nivoda_username;
  o.password = config.nivoda_password;
  o.timeout = config.nivoda_timeout;
  o.retry.max_attempts = config.retry_attempts;
  o.retry.base_delay = config.retry_base;
  o.retry.max_delay = config.retry_cap;
  o.limiter = std::move(limiter);
  http::CurlTransport::Options transport;
  transport.insecure_skip_tls_verify = config.nivoda_insecure_tls;
  if (config.nivoda_insecure_tls) {
    log::Warn("NIVODA_INSECURE_TLS is set: TLS certificates are NOT verified; never use this in production");
  }
  o.transport = std::make_shared<http::CurlTransport>(transport);
  return o;
}

Result<Components> BuildComponents(const Config& config, const ComponentNeeds& needs) {
  Components c;
  DI_ASSIGN_OR_RETURN(c.database_url, ResolveDatabaseUrl(config));
  c.pool = std::make_shared<pg::Pool>(c.database_url, needs.pool_size);
  {
    DI_ASSIGN_OR_RETURN(auto conn, c.pool->Acquire());
    DI_ASSIGN_OR_RETURN(int applied, pg::Migrate(*conn));
    if (applied > 0) log::Info("database migrated", {{"applied", applied}});
  }
  if (!config.resend_api_key.empty()) {
    cloud::ResendOptions ro;
    ro.api_key = config.resend_api_key;
    if (!config.resend_base_url.empty()) ro.base_url = config.resend_base_url;
    ro.from = config.alert_email_from;
    ro.to = config.alert_email_to;
    c.alerts = std::make_shared<cloud::ResendAlertSink>(ro, std::make_shared<http::CurlTransport>());
  } else {
    c.alerts = std::make_shared<cloud::LogAlertSink>();
  }
  queue::QueueOptions qo;
  qo.lease_seconds = static_cast<int>(config.queue_lease.count() / 1000);
  qo.max_deliveries = config.queue_max_deliveries;
  if (config.azure_service_bus) {
    queue::ServiceBusQueueOptions so =
        queue::ServiceBusOptionsFrom(*config.azure_service_bus, config.azure_service_bus_ca_file);
    so.lease = config.queue_lease;
    so.relay.on_set_aside = [alerts = c.alerts](const queue::SetAsideRow& row) {
      alerts->Send({"outbox_set_aside", "", "a " + row.queue + " message the broker refuses was set aside",
                    "The outbox row " + std::to_string(row.id) + " (message-id " + row.dedup_id + ", queue " +
                        row.queue + ") was refused " + std::to_string(row.attempts) +
                        " times and is no longer sent; the rows after it go on. Last error: " + row.error +
                        "\nIt is counted with the queue's dead letters in `diamond-ingest status`. Fix the cause, "
                        "then send it again: UPDATE queue_outbox SET set_aside_at = NULL, attempts = 0 WHERE id = " +
                        std::to_string(row.id) + ";"});
    };
    c.queue = std::make_shared<queue::ServiceBusQueue>(c.pool, so);
    log::Info("queue: Service Bus over AMQP 1.0 (sends in transactions go through the outbox)",
              {{"host", config.azure_service_bus->host}, {"port", config.azure_service_bus->EffectivePort()}});
  } else {
    c.queue = std::make_shared<queue::PostgresQueue>(c.pool, qo);
  }
  AttachWatermarks(config, c.pool, c);
  // A work item or consolidation dead-lettered by the queue ends its partition
  // or run in the same transaction (roles/dead_letters.h).
  c.queue->SetDeadLetterHook(DeadLetterConsequence(*c.queue, c.alerts, CompletionOptionsFrom(config)));
  if (needs.nivoda) {
    ratelimit::AccountRateLimiterOptions lo;
    lo.account = config.nivoda_username.empty() ? "default" : config.nivoda_username;
    lo.requests_per_second = config.nivoda_rate_limit;
    c.limiter = std::make_shared<ratelimit::AccountRateLimiter>(c.pool, lo);
    nivoda::ClientOptions options = MakeClientOptions(config, c.limiter);
    if (!needs.observers.empty()) {
      c.observer = std::make_shared<FanOutObserver>(needs.observers);
      options.observer = c.observer.get();
    }
    DI_ASSIGN_OR_RETURN(c.client, nivoda::NivodaClient::Create(options));
  }
  return c;
}

Result<Components> BuildDatabaseFreeComponents(const Config& config) {
  Components c;
  AttachWatermarks(config, nullptr, c);
  c.alerts = std::make_shared<cloud::LogAlertSink>();
  nivoda::TokenBucketRateLimiter::Options lo;
  lo.rate_per_second = config.nivoda_rate_limit;
  c.limiter = std::make_shared<nivoda::TokenBucketRateLimiter>(lo, nullptr);
  DI_ASSIGN_OR_RETURN(c.client, nivoda::NivodaClient::Create(MakeClientOptions(config, c.limiter)));
  return c;
}

Result<int> ApplyDeadLetters(Components& components, const Config& config) {
  const CompletionOptions options = CompletionOptionsFrom(config);
  return SweepDeadLetters(*components.queue, DeadLetterConsequence(*components.queue, components.alerts, options),
                          options);
}

}  // namespace di
