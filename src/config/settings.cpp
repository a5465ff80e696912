#include "config/settings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <type_traits>

#include "common/strings.h"

namespace di {
namespace {

using K = SettingKind;
using U = DurationUnit;

constexpr std::array<std::string_view, 2> kFeeds = {"natural", "labgrown"};
constexpr std::array<std::string_view, 2> kHeatmaps = {"adaptive", "seed"};
constexpr std::array<std::string_view, 4> kLevels = {"debug", "info", "warn", "error"};
constexpr std::array<std::string_view, 3> kFormats = {"auto", "json", "human"};

constexpr Bounds Range(double lo, double hi) { return Bounds{lo, hi, false, false}; }

// The table. Order = documentation order. Enum choices follow the enum's
// declaration order (the parsed index is cast to the enum).
const Setting kSettings[] = {
    // --- storage ---
    {"DATABASE_URL",
     K::kDatabaseUrl,
     "",
     "PostgreSQL connection string (URL or libpq keywords); unset: an embedded PostgreSQL under DI_DATA_DIR",
     &Config::database_url,
     {},
     {},
     U::kNone,
     true},
    {"DI_DATA_DIR", K::kString, "",
     "Directory of local state: the embedded PostgreSQL cluster (DI_DATA_DIR/pg). Unset: $XDG_DATA_HOME/"
     "diamond-ingest, else ~/.local/share/diamond-ingest; /var/lib/diamond-ingest when run as root",
     &Config::data_dir},

    // --- Nivoda API ---
    {"FEED",
     K::kEnumList,
     "natural",
     "Nivoda feeds to sync, comma-separated: natural, labgrown or both (schedule plans one run per feed)",
     &Config::feeds,
     {},
     kFeeds},
    {"NIVODA_ENDPOINT", K::kUrl, "http://127.0.0.1:8765/api/diamonds",
     "Nivoda GraphQL endpoint; the default is nivoda-sim started with its defaults", &Config::nivoda_endpoint},
    {"NIVODA_USERNAME", K::kString, "nivoda-sim",
     "Nivoda account user name; the default is nivoda-sim's (required with any other than a loopback endpoint)",
     &Config::nivoda_username},
    {"NIVODA_PASSWORD",
     K::kString,
     "nivoda-sim-password",
     "Nivoda account password; the default is nivoda-sim's (required with any other than a loopback endpoint)",
     &Config::nivoda_password,
     {},
     {},
     U::kNone,
     true},
    {"NIVODA_RATE_LIMIT", K::kDouble, "25",
     "Account-wide Nivoda request limit in requests/s, summed over every process", &Config::nivoda_rate_limit,
     Bounds{0, 1000, true, false}},
    {"NIVODA_TIMEOUT_SECONDS",
     K::kDuration,
     "60",
     "Timeout of one Nivoda HTTP request",
     &Config::nivoda_timeout,
     Range(1, 3600),
     {},
     U::kSeconds},
    {"NIVODA_INSECURE_TLS", K::kBool, "false",
     "Skip TLS certificate verification towards Nivoda (tests only; logged as a warning)",
     &Config::nivoda_insecure_tls},
    {"PAGE_SIZE", K::kInt, "50", "Offers per page request (the API's maximum is 50)", &Config::page_size, Range(1, 50)},
    {"RETRY_ATTEMPTS", K::kInt, "3", "Attempts per Nivoda request, the first included", &Config::retry_attempts,
     Range(1, 20)},
    {"RETRY_BASE_MS",
     K::kDuration,
     "2000",
     "First retry delay; doubles per attempt, with jitter",
     &Config::retry_base,
     Range(0, 600000),
     {},
     U::kMilliseconds},
    {"RETRY_CAP_MS",
     K::kDuration,
     "60000",
     "Largest retry delay (must be >= RETRY_BASE_MS)",
     &Config::retry_cap,
     Range(0, 3600000),
     {},
     U::kMilliseconds},

    // --- scheduler / planning ---
    {"HEATMAP",
     K::kEnum,
     "adaptive",
     "Density scan: adaptive (few count queries) or seed (the original algorithm)",
     &Config::heatmap,
     {},
     kHeatmaps},
    {"HEATMAP_QUERIES_IN_FLIGHT", K::kInt, "24", "Count queries in flight during the density scan",
     &Config::heatmap_queries_in_flight, Range(1, 64)},
    {"SCHEDULE_OVERLAP", K::kBool, "true",
     "Publish each partition's work item as soon as its bounds are final, while planning refines the rest",
     &Config::schedule_overlap},
    {"INCREMENTAL_OVERLAP_MINUTES",
     K::kDuration,
     "15",
     "An incremental run starts this long before the previous watermark",
     &Config::incremental_overlap,
     Range(1, 10080),
     {},
     U::kMinutes},
    {"MAX_PARTITIONS_FULL", K::kInt, "30", "Most partitions (work items) of a full run", &Config::max_partitions_full,
     Range(1, 10000)},
    {"MAX_PARTITIONS_INCREMENTAL", K::kInt, "10", "Most partitions (work items) of an incremental run",
     &Config::max_partitions_incremental, Range(1, 10000)},
    {"MIN_RECORDS_PER_PARTITION", K::kInt, "1000",
     "Fewest offers per partition when the total allows (must be <= RECORDS_PER_PARTITION)",
     &Config::min_records_per_partition, Range(1, 10000000)},
    {"RECORDS_PER_PARTITION", K::kInt, "5000", "Target offers per partition", &Config::records_per_partition,
     Range(1, 10000000)},
    {"FULL_RUN_INTERVAL",
     K::kDuration,
     "24",
     "Age of a feed's last complete full run at which schedule plans a full run (the only kind that soft-deletes)",
     &Config::full_run_interval,
     Bounds{0, 8760, true, false},
     {},
     U::kHours},

    // --- worker ---
    {"WORKER_PARTITIONS", K::kInt, "12", "Partitions one worker process ingests at once", &Config::worker_partitions,
     Range(1, 256)},
    {"WORKER_REQUESTS_IN_FLIGHT", K::kInt, "64", "Page requests in flight per worker process",
     &Config::worker_requests_in_flight, Range(1, 1024)},
    {"SHUTDOWN_GRACE_SECONDS",
     K::kDuration,
     "30",
     "On SIGTERM/SIGINT, time to finish in-flight pages before abandoning them",
     &Config::shutdown_grace,
     Range(1, 600),
     {},
     U::kSeconds},
    {"METRICS_ADDR", K::kHostPort, "127.0.0.1:9464",
     "Address of the /metrics and /healthz server (port 0: any free port)", &Config::metrics_addr},

    // --- queue ---
    {"WORK_ITEMS_QUEUE", K::kString, "work-items", "Queue of partition work items", &Config::work_items_queue},
    {"CONSOLIDATE_QUEUE", K::kString, "consolidate", "Queue of consolidation requests", &Config::consolidate_queue},
    {"QUEUE_MAX_DELIVERIES", K::kInt, "10", "Deliveries of a message before it is dead-lettered",
     &Config::queue_max_deliveries, Range(1, 1000)},
    {"QUEUE_LEASE_SECONDS",
     K::kDuration,
     "60",
     "Lease (lock) on a received message; renewed while it is being worked on",
     &Config::queue_lease,
     Range(1, 3600),
     {},
     U::kSeconds},
    {"QUEUE_RETRY_DELAY_SECONDS",
     K::kDuration,
     "30",
     "Delay before a work item that exhausted its page retries is delivered again",
     &Config::queue_retry_delay,
     Range(0, 86400),
     {},
     U::kSeconds},

    // --- completion and consolidation ---
    {"SUCCESS_THRESHOLD", K::kDouble, "0.7", "Fraction of partitions that must succeed for a run to be consolidated",
     &Config::success_threshold, Bounds{0, 1, true, false}},
    {"CONSOLIDATION_DELAY_SECONDS",
     K::kDuration,
     "300",
     "Delay of the forced consolidation of a run with failed partitions",
     &Config::consolidation_delay,
     Range(0, 86400),
     {},
     U::kSeconds},
    {"CONSOLIDATE_BATCH_SIZE", K::kInt, "2000", "Raw offers mapped per consolidation batch",
     &Config::consolidate_batch_size, Range(1, 100000)},

    // --- retention (pruned by the consolidator after each run it completes, and `prune`) ---
    {"RUN_HISTORY_RETENTION_DAYS",
     K::kDuration,
     "90",
     "Runs started longer ago are deleted with their partitions, changes and offer failures (never a run in "
     "flight, the latest RUN_HISTORY_KEEP_RUNS, or the feed's latest completed and complete full runs); 0: keep",
     &Config::run_history_retention,
     Range(0, 36500),
     {},
     U::kDays},
    {"RUN_HISTORY_KEEP_RUNS", K::kInt, "48", "Latest runs of each feed kept whatever their age",
     &Config::run_history_keep_runs, Range(1, 1000000)},
    {"REQUEST_SECONDS_RETENTION_DAYS",
     K::kDuration,
     "14",
     "Per-second Nivoda request tallies (the report's request chart) older than this are deleted; 0: keep",
     &Config::request_seconds_retention,
     Range(0, 36500),
     {},
     U::kDays},
    {"DEAD_LETTER_RETENTION_DAYS",
     K::kDuration,
     "30",
     "Dead letters older than this whose consequence was applied are deleted; 0: keep",
     &Config::dead_letter_retention,
     Range(0, 36500),
     {},
     U::kDays},

    // --- production backends ---
    {"AZURE_STORAGE_CONNECTION_STRING",
     K::kStorageConnectionString,
     "",
     "Azure Storage account for the watermark blob; unset: watermark kept in PostgreSQL",
     &Config::azure_storage,
     {},
     {},
     U::kNone,
     true},
    {"AZURE_SERVICE_BUS_CONNECTION_STRING",
     K::kServiceBusConnectionString,
     "",
     "Azure Service Bus namespace for the queues; unset: PostgreSQL queue",
     &Config::azure_service_bus,
     {},
     {},
     U::kNone,
     true},
    {"AZURE_SERVICE_BUS_CA_FILE", K::kString, "",
     "PEM file of the certificate authorities trusted for Service Bus TLS (AMQPS and REST) instead of the system's",
     &Config::azure_service_bus_ca_file},

    // --- alerts ---
    {"RESEND_API_KEY",
     K::kString,
     "",
     "Resend API key; unset: alerts are error log lines only",
     &Config::resend_api_key,
     {},
     {},
     U::kNone,
     true},
    {"RESEND_BASE_URL", K::kUrl, "https://api.resend.com", "Resend API base URL", &Config::resend_base_url},
    {"ALERT_EMAIL_TO", K::kEmailList, "", "Alert recipients, comma-separated (required with RESEND_API_KEY)",
     &Config::alert_email_to},
    {"ALERT_EMAIL_FROM", K::kEmail, "", "Alert sender, a@b or \"Name <a@b>\" (required with RESEND_API_KEY)",
     &Config::alert_email_from},
    {"STALL_ALERT_MINUTES",
     K::kDuration,
     "30",
     "Alert when a run makes no progress for this long",
     &Config::stall_alert,
     Range(1, 10080),
     {},
     U::kMinutes},

    // --- logging ---
    {"LOG_LEVEL", K::kEnum, "info", "Lowest level logged", &Config::log_level, {}, kLevels},
    {"LOG_FORMAT",
     K::kEnum,
     "auto",
     "Log format on stderr: auto = human on a terminal, else json",
     &Config::log_format,
     {},
     kFormats},
};

Status Bad(std::string message) { return Status(Code::kInvalidArgument, std::move(message)); }

// TEXT quoted for an error line: control characters escaped, long text cut.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  size_t n = 0;
  for (char c : text) {
    if (++n > 60) {
      out += "...";
      break;
    }
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

// "\"abc\" is not an integer" or "value is not an integer" for a secret.
std::string What(const Setting& s, std::string_view text, std::string_view problem) {
  return (s.secret ? std::string("value") : Quote(text)) + " " + std::string(problem);
}

std::string FormatNumber(double v) {
  if (v == std::trunc(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

int64_t UnitMs(DurationUnit unit) {
  switch (unit) {
    case DurationUnit::kDays:
      return 86400000;
    case DurationUnit::kHours:
      return 3600000;
    case DurationUnit::kMinutes:
      return 60000;
    case DurationUnit::kSeconds:
      return 1000;
    default:
      return 1;
  }
}

const char* UnitName(DurationUnit unit) {
  switch (unit) {
    case DurationUnit::kDays:
      return "days";
    case DurationUnit::kHours:
      return "hours";
    case DurationUnit::kMinutes:
      return "minutes";
    case DurationUnit::kSeconds:
      return "seconds";
    case DurationUnit::kMilliseconds:
      return "milliseconds";
    default:
      return "";
  }
}

bool InBounds(const Bounds& b, double v) {
  if (b.min_exclusive ? !(v > b.min) : !(v >= b.min)) return false;
  if (b.max_exclusive ? !(v < b.max) : !(v <= b.max)) return false;
  return true;
}

std::string OutOfBounds(const Setting& s, std::string_view text) {
  std::string unit = s.kind == SettingKind::kDuration ? std::string(" ") + UnitName(s.unit) : "";
  return What(s, text, "is out of range (allowed: " + DescribeAllowed(s) + unit + ")");
}

bool ParseInt64(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// "a@b" with no blanks, or "Name <a@b>".
bool ValidEmail(std::string_view text) {
  size_t open = text.find('<');
  if (open != std::string_view::npos) {
    if (text.back() != '>') return false;
    text = text.substr(open + 1, text.size() - open - 2);
  }
  size_t at = text.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == text.size()) return false;
  if (text.find('@', at + 1) != std::string_view::npos) return false;
  return std::none_of(text.begin(), text.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == '<' || c == '>' || c == ',';
  });
}

// Stores VALUE into the member of type T named by the row; a mismatch between
// the row's kind and its field is a bug in the table.
template <typename T>
Status Store(const Setting& s, Config* config, T value) {
  auto* member = std::get_if<T Config::*>(&s.field);
  if (member == nullptr) {
    return Status(Code::kInternal, "settings table: field type does not match the kind of " + std::string(s.name));
  }
  config->** member = std::move(value);
  return Status::Ok();
}

Status StoreEnum(const Setting& s, Config* config, int index) {
  return std::visit(
      [&](auto member) -> Status {
        using T = std::remove_reference_t<decltype(config->*member)>;
        if constexpr (std::is_enum_v<T>) {
          config->*member = static_cast<T>(index);
          return Status::Ok();
        } else {
          return Status(Code::kInternal, "settings table: " + std::string(s.name) + " is not an enum field");
        }
      },
      s.field);
}

// Stores the choices INDEXES into the enum-list member of the row (feeds are the only one).
Status StoreEnumList(const Setting& s, Config* config, const std::vector<int>& indexes) {
  return std::visit(
      [&](auto member) -> Status {
        using T = std::remove_reference_t<decltype(config->*member)>;
        if constexpr (std::is_same_v<T, std::vector<Feed>>) {
          T values;
          for (int i : indexes) values.push_back(static_cast<Feed>(i));
          config->*member = std::move(values);
          return Status::Ok();
        } else {
          return Status(Code::kInternal, "settings table: " + std::string(s.name) + " is not an enum list field");
        }
      },
      s.field);
}

}  // namespace

const char* SettingKindName(SettingKind kind) {
  switch (kind) {
    case K::kString:
      return "string";
    case K::kInt:
      return "int";
    case K::kDouble:
      return "number";
    case K::kBool:
      return "bool";
    case K::kUrl:
      return "url";
    case K::kDuration:
      return "duration";
    case K::kEnum:
      return "enum";
    case K::kEnumList:
      return "enum list";
    case K::kHostPort:
      return "host:port";
    case K::kEmail:
      return "email";
    case K::kEmailList:
      return "email list";
    case K::kDatabaseUrl:
      return "postgres url";
    case K::kStorageConnectionString:
      return "connection string";
    case K::kServiceBusConnectionString:
      return "connection string";
  }
  return "string";
}

std::span<const Setting> AllSettings() { return kSettings; }

const Setting* FindSetting(std::string_view name) {
  for (const Setting& s : kSettings) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string FlagName(const Setting& setting) {
  std::string flag = "--";
  for (char c : setting.name) {
    flag.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return flag;
}

Status ApplySetting(const Setting& s, std::string_view raw, Config* config) {
  std::string_view text = s.kind == K::kString ? raw : Trim(raw);
  switch (s.kind) {
    case K::kString:
      return Store(s, config, std::string(text));
    case K::kInt: {
      int64_t v = 0;
      if (!ParseInt64(text, &v)) return Bad(What(s, raw, "is not an integer (allowed: " + DescribeAllowed(s) + ")"));
      if (!InBounds(s.bounds, static_cast<double>(v))) return Bad(OutOfBounds(s, raw));
      return Store(s, config, static_cast<int>(v));
    }
    case K::kDouble: {
      double v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
        return Bad(What(s, raw, "is not a number (allowed: " + DescribeAllowed(s) + ")"));
      }
      if (!InBounds(s.bounds, v)) return Bad(OutOfBounds(s, raw));
      return Store(s, config, v);
    }
    case K::kBool: {
      std::string v = Lower(text);
      if (v == "true" || v == "1" || v == "yes" || v == "on") return Store(s, config, true);
      if (v == "false" || v == "0" || v == "no" || v == "off") return Store(s, config, false);
      return Bad(What(s, raw, "is not a boolean (allowed: true, false, 1, 0, yes, no, on, off)"));
    }
    case K::kDuration: {
      static constexpr std::pair<std::string_view, int64_t> kSuffixes[] = {
          {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
      int64_t scale = UnitMs(s.unit);
      std::string_view digits = text;
      for (const auto& [suffix, ms] : kSuffixes) {
        if (text.size() > suffix.size() && text.ends_with(suffix) &&
            std::isdigit(static_cast<unsigned char>(text[text.size() - suffix.size() - 1]))) {
          digits = text.substr(0, text.size() - suffix.size());
          scale = ms;
          break;
        }
      }
      int64_t v = 0;
      if (!ParseInt64(digits, &v) || v > INT64_MAX / scale || v < 0) {
        return Bad(What(s, raw,
                        std::string("is not a duration (a whole number of ") + UnitName(s.unit) +
                            ", or with a suffix ms, s, m, h or d)"));
      }
      int64_t ms = v * scale;
      if (!InBounds(s.bounds, static_cast<double>(ms) / static_cast<double>(UnitMs(s.unit)))) {
        return Bad(OutOfBounds(s, raw));
      }
      return Store(s, config, Config::Millis(ms));
    }
    case K::kEnum: {
      std::string v = Lower(text);
      for (size_t i = 0; i < s.choices.size(); ++i) {
        if (s.choices[i] == v) return StoreEnum(s, config, static_cast<int>(i));
      }
      return Bad(What(s, raw, "is not one of " + DescribeAllowed(s)));
    }
    case K::kEnumList: {
      std::vector<int> indexes;
      size_t start = 0;
      while (start <= text.size()) {
        size_t comma = std::min(text.find(',', start), text.size());
        std::string one = Lower(Trim(text.substr(start, comma - start)));
        start = comma + 1;
        auto it = std::find(s.choices.begin(), s.choices.end(), one);
        if (it == s.choices.end()) {
          if (one == Lower(text)) return Bad(What(s, raw, "is not one of " + DescribeAllowed(s)));
          return Bad(What(s, raw, "lists \"" + one + "\", not one of " + DescribeAllowed(s)));
        }
        int index = static_cast<int>(it - s.choices.begin());
        if (std::find(indexes.begin(), indexes.end(), index) != indexes.end()) {
          return Bad(What(s, raw, "names " + one + " twice"));
        }
        indexes.push_back(index);
      }
      return StoreEnumList(s, config, indexes);
    }
    case K::kUrl: {
      auto url = ParseHttpUrl(text);
      if (!url.ok()) return Bad(What(s, raw, "is not a valid URL: " + url.status().message()));
      return Store(s, config, std::string(text));
    }
    case K::kHostPort: {
      auto hp = ParseHostPort(text);
      if (!hp.ok()) return Bad(What(s, raw, "is not a valid address: " + hp.status().message()));
      return Store(s, config, std::move(hp).value());
    }
    case K::kEmail:
      if (!ValidEmail(text)) return Bad(What(s, raw, "is not an email address (a@b or \"Name <a@b>\")"));
      return Store(s, config, std::string(text));
    case K::kEmailList: {
      std::vector<std::string> list;
      size_t start = 0;
      while (start <= text.size()) {
        size_t comma = std::min(text.find(',', start), text.size());
        std::string_view one = Trim(text.substr(start, comma - start));
        start = comma + 1;
        if (!ValidEmail(one)) {
          return Bad(What(s, raw, "is not a comma-separated list of email addresses"));
        }
        list.emplace_back(one);
      }
      return Store(s, config, std::move(list));
    }
    case K::kDatabaseUrl: {
      auto db = ParseDatabaseUrl(text);
      if (!db.ok()) return Bad("malformed PostgreSQL connection string: " + db.status().message());
      return Store(s, config, std::string(text));
    }
    case K::kStorageConnectionString: {
      auto cs = ParseStorageConnectionString(text);
      if (!cs.ok()) return Bad("malformed Azure Storage connection string: " + cs.status().message());
      return Store(s, config, std::optional<StorageConnectionString>(std::move(cs).value()));
    }
    case K::kServiceBusConnectionString: {
      auto cs = ParseServiceBusConnectionString(text);
      if (!cs.ok()) return Bad("malformed Service Bus connection string: " + cs.status().message());
      return Store(s, config, std::optional<ServiceBusConnectionString>(std::move(cs).value()));
    }
  }
  return Status(Code::kInternal, "unknown setting kind");
}

std::vector<std::string> SecretsIn(const Setting& s, std::string_view text) {
  if (!s.secret || text.empty()) return {};
  std::vector<std::string> out{std::string(text)};
  std::string_view trimmed = Trim(text);
  if (trimmed != text) out.emplace_back(trimmed);
  switch (s.kind) {
    case K::kDatabaseUrl:
      if (auto db = ParseDatabaseUrl(text); db.ok()) {
        out.push_back(db->password);
        out.push_back(db->password_encoded);
      }
      break;
    case K::kStorageConnectionString:
      if (auto cs = ParseStorageConnectionString(text); cs.ok()) out.push_back(cs->account_key);
      break;
    case K::kServiceBusConnectionString:
      if (auto cs = ParseServiceBusConnectionString(text); cs.ok()) out.push_back(cs->key);
      break;
    default:
      break;
  }
  std::erase_if(out, [](const std::string& v) { return v.empty(); });
  return out;
}

std::string FormatSetting(const Setting& s, const Config& config) {
  std::string text = std::visit(
      [&](auto member) -> std::string {
        using T = std::remove_cvref_t<decltype(config.*member)>;
        const T& v = config.*member;
        if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return FormatNumber(v);
        } else if constexpr (std::is_same_v<T, Config::Millis>) {
          int64_t unit = UnitMs(s.unit);
          return v.count() % unit == 0 ? std::to_string(v.count() / unit) : std::to_string(v.count()) + "ms";
        } else if constexpr (std::is_enum_v<T>) {
          auto i = static_cast<size_t>(v);
          return i < s.choices.size() ? std::string(s.choices[i]) : "?";
        } else if constexpr (std::is_same_v<T, HostPort>) {
          return v.ToString();
        } else if constexpr (std::is_same_v<T, std::vector<Feed>>) {
          std::string joined;
          for (Feed one : v) {
            auto i = static_cast<size_t>(one);
            joined += (joined.empty() ? "" : ",") + (i < s.choices.size() ? std::string(s.choices[i]) : "?");
          }
          return joined;
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          std::string joined;
          for (const auto& one : v) joined += (joined.empty() ? "" : ",") + one;
          return joined;
        } else {
          return v ? v->raw : std::string();
        }
      },
      s.field);
  return s.secret && !text.empty() ? "***" : text;
}

std::string DescribeAllowed(const Setting& s) {
  if (s.kind == K::kEnum || s.kind == K::kEnumList) {
    std::string out;
    for (auto c : s.choices) out += (out.empty() ? "" : ", ") + std::string(c);
    return out;
  }
  if (!s.bounds.bounded()) return "";
  const Bounds& b = s.bounds;
  if (!b.min_exclusive && !b.max_exclusive) return FormatNumber(b.min) + ".." + FormatNumber(b.max);
  return std::string(b.min_exclusive ? "(" : "[") + FormatNumber(b.min) + ", " + FormatNumber(b.max) +
         (b.max_exclusive ? ")" : "]");
}

std::string RenderSettingsMarkdown() {
  std::string out =
      "| Variable | Flag | Kind | Default | Allowed | Meaning |\n"
      "|---|---|---|---|---|---|\n";
  for (const Setting& s : kSettings) {
    std::string kind = SettingKindName(s.kind);
    if (s.kind == K::kDuration) kind += std::string(" (") + UnitName(s.unit) + ")";
    std::string allowed = DescribeAllowed(s);
    std::string meaning(s.description);
    if (s.secret) meaning = "**Secret.** " + meaning;
    for (size_t p = meaning.find('|'); p != std::string::npos; p = meaning.find('|', p + 2)) {
      meaning.replace(p, 1, "\\|");
    }
    out += "| `" + std::string(s.name) + "` | `" + FlagName(s) + "` | " + kind + " | " +
           (s.default_value.empty() ? std::string("(unset)") : "`" + std::string(s.default_value) + "`") + " | " +
           (allowed.empty() ? "" : "`" + allowed + "`") + " | " + meaning + " |\n";
  }
  return out;
}

std::string RenderEffectiveConfig(const Config& config) {
  size_t width = 0;
  std::vector<std::string> lines;
  for (const Setting& s : kSettings) {
    lines.push_back(std::string(s.name) + "=" + FormatSetting(s, config));
    width = std::max(width, lines.back().size());
  }
  std::string out;
  size_t i = 0;
  for (const Setting& s : kSettings) {
    auto it = config.sources.find(std::string(s.name));
    ValueSource source = it == config.sources.end() ? ValueSource::kDefault : it->second;
    std::string& line = lines[i++];
    line.resize(width + 2, ' ');
    out += line + "# " + ValueSourceName(source) + "\n";
  }
  return out;
}

}  // namespace di
