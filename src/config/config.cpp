#include "config/config.h"

#include <cstring>

#include "common/log.h"
#include "config/data_dir.h"
#include "config/dotenv.h"
#include "config/settings.h"

namespace di {

const char* FeedName(Feed feed) { return feed == Feed::kLabgrown ? "labgrown" : "natural"; }

std::vector<Feed> ConfiguredFeeds(const Config& config) {
  return config.feeds.empty() ? std::vector<Feed>{config.feed} : config.feeds;
}
namespace {

Status Bad(std::string message) { return Status(Code::kInvalidArgument, std::move(message)); }

struct Candidate {
  std::string_view text;
  ValueSource source = ValueSource::kDefault;
};

// The highest-precedence non-empty value of SETTING.
Candidate Pick(const Setting& setting, const ConfigSources& sources, const std::map<std::string, std::string>& dotenv) {
  const std::string name(setting.name);
  if (auto it = sources.flags.find(name); it != sources.flags.end() && !it->second.empty()) {
    return {it->second, ValueSource::kFlag};
  }
  if (auto it = sources.environment.find(name); it != sources.environment.end() && !it->second.empty()) {
    return {it->second, ValueSource::kEnvironment};
  }
  if (auto it = dotenv.find(name); it != dotenv.end() && !it->second.empty()) {
    return {it->second, ValueSource::kDotenv};
  }
  return {setting.default_value, ValueSource::kDefault};
}

// Registers every value a secret setting has in any source, valid or not.
void RegisterSecrets(const ConfigSources& sources, const std::map<std::string, std::string>& dotenv) {
  for (const Setting& s : AllSettings()) {
    if (!s.secret) continue;
    const std::string name(s.name);
    for (const auto* map : {&sources.flags, &sources.environment, &dotenv}) {
      auto it = map->find(name);
      if (it == map->end()) continue;
      for (const std::string& secret : SecretsIn(s, it->second)) log::AddSecret(secret);
    }
  }
}

// Reads the .env file named by SOURCES into DOTENV (settings only).
Status ReadEnvFile(const ConfigSources& sources, Config* config, std::map<std::string, std::string>* dotenv) {
  std::string path = sources.env_file;
  if (path.empty()) {
    if (!sources.read_default_env_file) return Status::Ok();
    path = ".env";
  }
  auto entries = ReadDotenvFile(path);
  if (!entries.ok()) {
    if (entries.status().code() == Code::kNotFound && sources.env_file.empty()) return Status::Ok();
    return Bad((sources.env_file.empty() ? ".env: " : "--env-file: ") + entries.status().message());
  }
  config->env_file = path;
  for (DotenvEntry& e : entries.value()) {
    if (FindSetting(e.key) == nullptr) {
      config->warnings.push_back(path + ":" + std::to_string(e.line) + ": " + e.key +
                                 " is not a diamond-ingest setting; ignored");
      continue;
    }
    (*dotenv)[e.key] = std::move(e.value);
  }
  return Status::Ok();
}

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// Rules that involve more than one setting.
Status CheckCombinations(Config* config) {
  if (!config->feeds.empty()) config->feed = config->feeds.front();
  if (config->retry_cap < config->retry_base) {
    return Bad("RETRY_CAP_MS: must be >= RETRY_BASE_MS (" + std::to_string(config->retry_base.count()) + ")");
  }
  if (config->min_records_per_partition > config->records_per_partition) {
    return Bad("MIN_RECORDS_PER_PARTITION: must be <= RECORDS_PER_PARTITION (" +
               std::to_string(config->records_per_partition) + ")");
  }
  if (config->work_items_queue == config->consolidate_queue) {
    return Bad("CONSOLIDATE_QUEUE: must differ from WORK_ITEMS_QUEUE");
  }
  if (!config->resend_api_key.empty()) {
    if (config->alert_email_to.empty()) return Bad("ALERT_EMAIL_TO: required when RESEND_API_KEY is set");
    if (config->alert_email_from.empty()) return Bad("ALERT_EMAIL_FROM: required when RESEND_API_KEY is set");
  }
  if (config->nivoda_insecure_tls) {
    config->warnings.push_back(
        "NIVODA_INSECURE_TLS is true: TLS certificates of NIVODA_ENDPOINT are NOT verified; "
        "anyone on the path can read the Nivoda credentials. Never use this in production.");
  }
  auto url = ParseHttpUrl(config->nivoda_endpoint);
  if (url.ok() && !IsLoopbackHost(url->host)) {
    // The credentials' defaults are nivoda-sim's: never sent to a real vendor.
    for (const char* name : {"NIVODA_USERNAME", "NIVODA_PASSWORD"}) {
      auto source = config->sources.find(name);
      if (source == config->sources.end() || source->second == ValueSource::kDefault) {
        return Bad(std::string(name) + ": required when NIVODA_ENDPOINT is not a loopback address " +
                   "(the default is the local simulator's)");
      }
    }
  }
  if (url.ok() && url->scheme == "http" && !IsLoopbackHost(url->host)) {
    config->warnings.push_back(
        "NIVODA_ENDPOINT uses plain http to a host that is not loopback: "
        "credentials and data travel unencrypted");
  }
  return Status::Ok();
}

}  // namespace

const char* ValueSourceName(ValueSource source) {
  switch (source) {
    case ValueSource::kDefault:
      return "default";
    case ValueSource::kDotenv:
      return ".env";
    case ValueSource::kEnvironment:
      return "environment";
    case ValueSource::kFlag:
      return "flag";
  }
  return "default";
}

Result<Config> LoadConfig(const ConfigSources& sources) {
  Config config;
  std::map<std::string, std::string> dotenv;
  // Secrets given on the command line or in the environment are registered
  // before anything can fail, so no error line can carry one.
  RegisterSecrets(sources, dotenv);
  DI_RETURN_IF_ERROR(ReadEnvFile(sources, &config, &dotenv));
  RegisterSecrets(sources, dotenv);

  for (const auto& [name, value] : sources.flags) {
    if (FindSetting(name) == nullptr) return Bad(name + ": not a diamond-ingest setting");
  }
  for (const Setting& s : AllSettings()) {
    Candidate pick = Pick(s, sources, dotenv);
    config.sources[std::string(s.name)] = pick.source;
    if (pick.text.empty()) continue;  // unset: the field keeps its empty value
    Status st = ApplySetting(s, pick.text, &config);
    if (!st.ok()) {
      std::string where;
      if (pick.source == ValueSource::kFlag) where = " (from " + FlagName(s) + ")";
      if (pick.source == ValueSource::kDotenv) where = " (from " + config.env_file + ")";
      if (pick.source == ValueSource::kDefault) where = " (built-in default: a bug)";
      return Status(st.code(), std::string(s.name) + where + ": " + st.message());
    }
  }
  // Never relative to the working directory (config/data_dir.h); empty when
  // no default can be derived: only the embedded PostgreSQL needs it.
  config.data_dir =
      config.data_dir.empty() ? DefaultDataDir(sources.environment, sources.as_root) : AbsoluteDataDir(config.data_dir);
  DI_RETURN_IF_ERROR(CheckCombinations(&config));
  return config;
}

std::map<std::string, std::string> EnvironmentFromArray(const char* const* envp) {
  std::map<std::string, std::string> env;
  for (; envp != nullptr && *envp != nullptr; ++envp) {
    const char* eq = std::strchr(*envp, '=');
    if (eq == nullptr) continue;
    env.emplace(std::string(*envp, eq), std::string(eq + 1));
  }
  return env;
}

}  // namespace di
