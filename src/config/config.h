// Config: every setting of diamond-ingest, typed, read once at start-up; nothing
// else in the program reads the environment. Sources, highest first: flags, the
// environment, a .env file, the default of the settings table (settings.h).
// Precedence, syntax and the full table: src/config/README.md.
//
// LoadConfig validates every value and returns the first problem as a Status
// whose message starts with the variable's name and never contains a secret's
// value. As a side effect it registers every secret (passwords, keys,
// connection strings, the DATABASE_URL and its password) with log::AddSecret,
// before validating, so no later log line can print one.
//
// Thread-safety: a loaded Config is an immutable value; share it by const
// reference. LoadConfig itself is thread-safe (it only reads its inputs and
// the file system).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/status.h"
#include "config/connection_strings.h"

namespace di {

enum class Feed { kNatural, kLabgrown };  // FEED (one or both)
// "natural" or "labgrown".
const char* FeedName(Feed feed);
enum class HeatmapMode { kAdaptive, kSeed };           // HEATMAP
enum class LogFormatSetting { kAuto, kJson, kHuman };  // LOG_FORMAT

// Where a setting's effective value came from.
enum class ValueSource { kDefault, kDotenv, kEnvironment, kFlag };
const char* ValueSourceName(ValueSource source);

struct Config {
  using Millis = std::chrono::milliseconds;

  // --- storage ---
  std::string database_url;  // DATABASE_URL; empty: embedded PostgreSQL under data_dir
  std::string data_dir;      // DI_DATA_DIR, absolute; its default: config/data_dir.h ("" when none applies)

  // --- Nivoda API ---
  std::vector<Feed> feeds;      // FEED: one or more, in the order given, no repeats
  Feed feed = Feed::kNatural;   // the first of feeds (set by LoadConfig)
  std::string nivoda_endpoint;  // validated http(s) URL
  std::string nivoda_username;
  std::string nivoda_password;
  double nivoda_rate_limit = 0;  // requests per second, account-wide
  Millis nivoda_timeout{};       // per request
  bool nivoda_insecure_tls = false;
  int page_size = 0;       // 1..50
  int retry_attempts = 0;  // attempts per request, first one included
  Millis retry_base{};
  Millis retry_cap{};

  // --- scheduler / planning ---
  HeatmapMode heatmap = HeatmapMode::kAdaptive;
  int heatmap_queries_in_flight = 0;
  bool schedule_overlap = true;
  Millis incremental_overlap{};
  int max_partitions_full = 0;
  int max_partitions_incremental = 0;
  int min_records_per_partition = 0;
  int records_per_partition = 0;
  Millis full_run_interval{};  // a full run when the last complete one is this old

  // --- worker ---
  int worker_partitions = 0;          // partitions in flight per process
  int worker_requests_in_flight = 0;  // page requests in flight per process
  Millis shutdown_grace{};
  HostPort metrics_addr;

  // --- queue ---
  std::string work_items_queue;
  std::string consolidate_queue;
  int queue_max_deliveries = 0;
  Millis queue_lease{};
  Millis queue_retry_delay{};

  // --- completion and consolidation ---
  double success_threshold = 0;  // (0, 1]
  Millis consolidation_delay{};
  int consolidate_batch_size = 0;

  // --- retention (roles/retention.h); 0: keep forever ---
  Millis run_history_retention{};     // runs (and their partitions, changes) older than this are deleted
  int run_history_keep_runs = 0;      // the latest runs of each feed kept whatever their age
  Millis request_seconds_retention{};
  Millis dead_letter_retention{};

  // --- production backends (unset: embedded defaults) ---
  std::optional<StorageConnectionString> azure_storage;
  std::optional<ServiceBusConnectionString> azure_service_bus;
  std::string azure_service_bus_ca_file;  // empty: the system's certificate authorities

  // --- alerts ---
  std::string resend_api_key;  // empty: alerts are log lines only
  std::string resend_base_url;
  std::vector<std::string> alert_email_to;
  std::string alert_email_from;
  Millis stall_alert{};

  // --- logging ---
  log::Level log_level = log::Level::kInfo;
  LogFormatSetting log_format = LogFormatSetting::kAuto;

  // --- not settings: facts about the load ---
  std::map<std::string, ValueSource> sources;  // setting name -> where its value came from
  std::string env_file;                        // the .env file read, empty when none
  std::vector<std::string> warnings;           // to be logged once logging is set up
};

// What LoadConfig reads. The CLI fills it from argv and environ; tests build it.
struct ConfigSources {
  std::map<std::string, std::string> environment;  // the process environment
  std::map<std::string, std::string> flags;        // setting name -> text given on the command line
  std::string env_file;                            // --env-file; empty: ./.env if it exists
  bool read_default_env_file = true;               // false: ignore ./.env (tests)
  bool as_root = false;                            // the CLI: geteuid() == 0 (DI_DATA_DIR's default, config/data_dir.h)
};

// Reads, validates and types every setting. Errors are kInvalidArgument with a
// one-line message "NAME: what is wrong" (or "--env-file: ..." / ".env: ...").
Result<Config> LoadConfig(const ConfigSources& sources);

// The feeds to sync: CONFIG.feeds, or CONFIG.feed alone when feeds is empty
// (a Config built by hand).
std::vector<Feed> ConfiguredFeeds(const Config& config);

// The environment as a map, from a NULL-terminated "NAME=value" array (environ).
std::map<std::string, std::string> EnvironmentFromArray(const char* const* envp);

}  // namespace di
