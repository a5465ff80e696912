#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/log.h"

namespace di {
namespace {

using std::chrono::milliseconds;

// A .env file in /tmp, removed at the end of the test.
class TempEnvFile {
 public:
  explicit TempEnvFile(const std::string& text) {
    char path[] = "/tmp/di_config_env_XXXXXX";
    int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    ::close(fd);
    path_ = path;
    std::ofstream(path_) << text;
  }
  ~TempEnvFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

ConfigSources Sources(std::map<std::string, std::string> env = {}, std::map<std::string, std::string> flags = {},
                      std::string env_file = "") {
  ConfigSources s;
  s.environment = std::move(env);
  s.flags = std::move(flags);
  s.env_file = std::move(env_file);
  s.read_default_env_file = false;
  return s;
}

TEST(LoadConfigTest, DefaultsMatchTheDocumentedValues) {
  auto c = LoadConfig(Sources());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->database_url, "");
  EXPECT_EQ(c->data_dir, "") << "no HOME, no XDG_DATA_HOME, not root: no default";
  EXPECT_EQ(c->feed, Feed::kNatural);
  EXPECT_EQ(c->nivoda_endpoint, "http://127.0.0.1:8765/api/diamonds");
  EXPECT_EQ(c->nivoda_username, "nivoda-sim");
  EXPECT_EQ(c->nivoda_password, "nivoda-sim-password");
  EXPECT_EQ(c->page_size, 50);
  EXPECT_EQ(c->nivoda_rate_limit, 25.0);
  EXPECT_EQ(c->nivoda_timeout, milliseconds(60000));
  EXPECT_EQ(c->retry_attempts, 3);
  EXPECT_EQ(c->retry_base, milliseconds(2000));
  EXPECT_EQ(c->retry_cap, milliseconds(60000));
  EXPECT_EQ(c->worker_partitions, 12);
  EXPECT_EQ(c->worker_requests_in_flight, 64);
  EXPECT_EQ(c->queue_max_deliveries, 10);
  EXPECT_EQ(c->queue_lease, milliseconds(60000));
  EXPECT_EQ(c->incremental_overlap, milliseconds(15 * 60000));
  EXPECT_EQ(c->consolidation_delay, milliseconds(300000));
  EXPECT_EQ(c->success_threshold, 0.7);
  EXPECT_EQ(c->max_partitions_full, 30);
  EXPECT_EQ(c->max_partitions_incremental, 10);
  EXPECT_EQ(c->min_records_per_partition, 1000);
  EXPECT_EQ(c->records_per_partition, 5000);
  EXPECT_EQ(c->run_history_retention, std::chrono::hours(90 * 24));
  EXPECT_EQ(c->run_history_keep_runs, 48);
  EXPECT_EQ(c->request_seconds_retention, std::chrono::hours(14 * 24));
  EXPECT_EQ(c->dead_letter_retention, std::chrono::hours(30 * 24));
  EXPECT_EQ(c->heatmap, HeatmapMode::kAdaptive);
  EXPECT_EQ(c->stall_alert, milliseconds(30 * 60000));
  EXPECT_EQ(c->metrics_addr.ToString(), "127.0.0.1:9464");
  EXPECT_EQ(c->log_level, log::Level::kInfo);
  EXPECT_EQ(c->log_format, LogFormatSetting::kAuto);
  EXPECT_EQ(c->resend_base_url, "https://api.resend.com");
  EXPECT_FALSE(c->nivoda_insecure_tls);
  EXPECT_FALSE(c->azure_storage.has_value());
  EXPECT_FALSE(c->azure_service_bus.has_value());
  EXPECT_TRUE(c->warnings.empty());
  EXPECT_EQ(c->sources.at("PAGE_SIZE"), ValueSource::kDefault);
}

TEST(LoadConfigTest, FlagBeatsEnvironmentBeatsDotenvBeatsDefault) {
  TempEnvFile file("PAGE_SIZE=20\nRETRY_ATTEMPTS=5\nWORKER_PARTITIONS=6\n");
  auto c = LoadConfig(Sources({{"PAGE_SIZE", "10"}, {"RETRY_ATTEMPTS", "7"}}, {{"PAGE_SIZE", "30"}}, file.path()));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->page_size, 30);
  EXPECT_EQ(c->sources.at("PAGE_SIZE"), ValueSource::kFlag);
  EXPECT_EQ(c->retry_attempts, 7);
  EXPECT_EQ(c->sources.at("RETRY_ATTEMPTS"), ValueSource::kEnvironment);
  EXPECT_EQ(c->worker_partitions, 6);
  EXPECT_EQ(c->sources.at("WORKER_PARTITIONS"), ValueSource::kDotenv);
  EXPECT_EQ(c->queue_max_deliveries, 10);
  EXPECT_EQ(c->sources.at("QUEUE_MAX_DELIVERIES"), ValueSource::kDefault);
  EXPECT_EQ(c->env_file, file.path());
}

TEST(LoadConfigTest, EmptyValuesCountAsUnset) {
  TempEnvFile file("PAGE_SIZE=20\n");
  auto c = LoadConfig(Sources({{"PAGE_SIZE", ""}, {"FEED", ""}}, {{"PAGE_SIZE", ""}}, file.path()));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->page_size, 20);
  EXPECT_EQ(c->feed, Feed::kNatural);
  EXPECT_EQ(c->feeds, std::vector<Feed>{Feed::kNatural});
  EXPECT_EQ(c->full_run_interval, std::chrono::hours(24));
}

TEST(LoadConfigTest, BothFeedsTheFirstIsTheFeed) {
  auto c = LoadConfig(Sources({{"FEED", "labgrown,natural"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->feeds, (std::vector<Feed>{Feed::kLabgrown, Feed::kNatural}));
  EXPECT_EQ(c->feed, Feed::kLabgrown);
  EXPECT_EQ(ConfiguredFeeds(*c), c->feeds);
}

TEST(LoadConfigTest, ErrorsNameTheVariableAndTheSource) {
  auto env = LoadConfig(Sources({{"PAGE_SIZE", "abc"}}));
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(env.status().message(), "PAGE_SIZE: \"abc\" is not an integer (allowed: 1..50)");
  auto flag = LoadConfig(Sources({}, {{"PAGE_SIZE", "51"}}));
  ASSERT_FALSE(flag.ok());
  EXPECT_EQ(flag.status().message(), "PAGE_SIZE (from --page-size): \"51\" is out of range (allowed: 1..50)");
  TempEnvFile file("FEED=synthetic\n");
  auto dotenv = LoadConfig(Sources({}, {}, file.path()));
  ASSERT_FALSE(dotenv.ok());
  EXPECT_EQ(dotenv.status().message(),
            "FEED (from " + file.path() + "): \"synthetic\" is not one of natural, labgrown");
}

TEST(LoadConfigTest, UnknownFlagSettingIsAnError) {
  auto c = LoadConfig(Sources({}, {{"PAGESIZE", "5"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "PAGESIZE: not a diamond-ingest setting");
}

TEST(LoadConfigTest, EnvFileProblems) {
  auto missing = LoadConfig(Sources({}, {}, "/nonexistent/custom.env"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "--env-file: /nonexistent/custom.env: no such file");
  TempEnvFile broken("PAGE_SIZE=5\nNIVODA_PASSWORD hunter2-in-env-file\n");
  auto bad = LoadConfig(Sources({}, {}, broken.path()));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "--env-file: " + broken.path() + ": line 2: expected '=' after the variable name");
  EXPECT_EQ(bad.status().message().find("hunter2"), std::string::npos);
}

TEST(LoadConfigTest, UnknownDotenvKeysAreWarnings) {
  TempEnvFile file("PAGESIZE=5\nPAGE_SIZE=5\n");
  auto c = LoadConfig(Sources({}, {}, file.path()));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_EQ(c->warnings[0], file.path() + ":1: PAGESIZE is not a diamond-ingest setting; ignored");
}

TEST(LoadConfigTest, CrossChecks) {
  auto cap = LoadConfig(Sources({{"RETRY_BASE_MS", "5000"}, {"RETRY_CAP_MS", "1000"}}));
  ASSERT_FALSE(cap.ok());
  EXPECT_EQ(cap.status().message().rfind("RETRY_CAP_MS: must be >= RETRY_BASE_MS", 0), 0u);
  auto records = LoadConfig(Sources({{"MIN_RECORDS_PER_PARTITION", "6000"}}));
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().message().rfind("MIN_RECORDS_PER_PARTITION:", 0), 0u);
  auto queues = LoadConfig(Sources({{"CONSOLIDATE_QUEUE", "work-items"}}));
  ASSERT_FALSE(queues.ok());
  EXPECT_EQ(queues.status().message().rfind("CONSOLIDATE_QUEUE:", 0), 0u);
  auto resend = LoadConfig(Sources({{"RESEND_API_KEY", "re_live_key_123456"}}));
  ASSERT_FALSE(resend.ok());
  EXPECT_EQ(resend.status().message(), "ALERT_EMAIL_TO: required when RESEND_API_KEY is set");
  auto from = LoadConfig(Sources({{"RESEND_API_KEY", "re_live_key_123456"}, {"ALERT_EMAIL_TO", "a@b.c"}}));
  ASSERT_FALSE(from.ok());
  EXPECT_EQ(from.status().message(), "ALERT_EMAIL_FROM: required when RESEND_API_KEY is set");
  auto ok = LoadConfig(
      Sources({{"RESEND_API_KEY", "re_live_key_123456"}, {"ALERT_EMAIL_TO", "a@b.c"}, {"ALERT_EMAIL_FROM", "x@b.c"}}));
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

TEST(LoadConfigTest, WarnsAboutInsecureTransport) {
  auto tls = LoadConfig(Sources({{"NIVODA_INSECURE_TLS", "true"}}));
  ASSERT_TRUE(tls.ok());
  ASSERT_EQ(tls->warnings.size(), 1u);
  EXPECT_NE(tls->warnings[0].find("NIVODA_INSECURE_TLS"), std::string::npos);
  auto http = LoadConfig(Sources({{"NIVODA_ENDPOINT", "http://nivoda.example.com/api/diamonds"},
                                  {"NIVODA_USERNAME", "u"},
                                  {"NIVODA_PASSWORD", "p"}}));
  ASSERT_TRUE(http.ok());
  ASSERT_EQ(http->warnings.size(), 1u);
  EXPECT_NE(http->warnings[0].find("plain http"), std::string::npos);
  auto loopback = LoadConfig(Sources({{"NIVODA_ENDPOINT", "http://localhost:4100/api/diamonds"}}));
  ASSERT_TRUE(loopback.ok());
  EXPECT_TRUE(loopback->warnings.empty());
}

// DI_DATA_DIR is never relative to the working directory: root gets the
// system directory, others their XDG data directory; a relative value given
// is made absolute.
TEST(LoadConfigTest, DataDirDefaultsToAPerUserDirectory) {
  ConfigSources root = Sources({{"HOME", "/root"}});
  root.as_root = true;
  EXPECT_EQ(LoadConfig(root)->data_dir, "/var/lib/diamond-ingest");
  EXPECT_EQ(LoadConfig(Sources({{"HOME", "/home/ann"}}))->data_dir, "/home/ann/.local/share/diamond-ingest");
  EXPECT_EQ(LoadConfig(Sources({{"HOME", "/home/ann"}, {"XDG_DATA_HOME", "/data/ann"}}))->data_dir,
            "/data/ann/diamond-ingest");
  EXPECT_EQ(LoadConfig(Sources({{"HOME", "/home/ann"}, {"XDG_DATA_HOME", "rel"}}))->data_dir,
            "/home/ann/.local/share/diamond-ingest")
      << "a relative XDG_DATA_HOME is ignored, as the XDG spec says";
  EXPECT_EQ(LoadConfig(Sources({{"HOME", "/home/ann"}, {"DI_DATA_DIR", "/srv/di"}}))->data_dir, "/srv/di");
  auto relative = LoadConfig(Sources({{"DI_DATA_DIR", "state/di"}}));
  ASSERT_TRUE(relative.ok());
  EXPECT_EQ(relative->data_dir, (std::filesystem::current_path() / "state/di").string());
}

// The credentials' defaults are the simulator's: any other endpoint needs its own.
TEST(LoadConfigTest, ARealEndpointNeedsItsOwnCredentials) {
  auto none = LoadConfig(Sources({{"NIVODA_ENDPOINT", "https://integrations.nivoda.net/api/diamonds"}}));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message().rfind("NIVODA_USERNAME: required", 0), 0u) << none.status().message();
  auto no_password = LoadConfig(Sources(
      {{"NIVODA_ENDPOINT", "https://integrations.nivoda.net/api/diamonds"}, {"NIVODA_USERNAME", "shop@example.com"}}));
  ASSERT_FALSE(no_password.ok());
  EXPECT_EQ(no_password.status().message().rfind("NIVODA_PASSWORD: required", 0), 0u);
  auto local = LoadConfig(Sources({{"NIVODA_ENDPOINT", "http://localhost:9000/api/diamonds"}}));
  EXPECT_TRUE(local.ok()) << local.status().ToString();
}

// Secrets are registered with the logger even when the configuration is
// rejected, and error messages never carry them.
TEST(LoadConfigTest, RegistersSecretsBeforeValidating) {
  const std::string pw = "nivoda-pw-5e1f0a";
  const std::string sb_key = "c2ItdGVzdC1rZXktN2Q0Yw==";
  const std::string db_pw = "db-pw-9c2b71";
  const std::string bad_storage = "AccountName=a;AccountKey=storage-bad-key-3f8e!";
  auto c =
      LoadConfig(Sources({{"NIVODA_PASSWORD", pw},
                          {"AZURE_SERVICE_BUS_CONNECTION_STRING",
                           "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=" + sb_key},
                          {"AZURE_STORAGE_CONNECTION_STRING", bad_storage}},
                         {{"DATABASE_URL", "postgresql://app:" + db_pw + "@db/di"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().rfind("AZURE_STORAGE_CONNECTION_STRING: ", 0), 0u) << c.status().message();
  EXPECT_EQ(c.status().message().find("storage-bad-key"), std::string::npos);
  EXPECT_EQ(log::Redact("pw=" + pw), "pw=***");
  EXPECT_EQ(log::Redact("key " + sb_key + " used"), "key *** used");
  EXPECT_EQ(log::Redact("connecting with " + db_pw), "connecting with ***");
  EXPECT_EQ(log::Redact(bad_storage), "***");
}

TEST(LoadConfigTest, ConnectionStringsAreTyped) {
  auto c = LoadConfig(Sources(
      {{"AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true"},
       {"AZURE_SERVICE_BUS_CONNECTION_STRING",
        "Endpoint=sb://127.0.0.1:5672/;SharedAccessKeyName=k;SharedAccessKey=aGVsbG8=;UseDevelopmentEmulator=true"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->azure_storage.has_value());
  EXPECT_EQ(c->azure_storage->blob_endpoint, "http://127.0.0.1:10000/devstoreaccount1");
  ASSERT_TRUE(c->azure_service_bus.has_value());
  EXPECT_EQ(c->azure_service_bus->EffectivePort(), 5672);
}

TEST(EnvironmentFromArrayTest, SplitsAtFirstEquals) {
  const char* envp[] = {"A=1", "B=x=y", "C=", "NOEQUALS", nullptr};
  auto env = EnvironmentFromArray(envp);
  EXPECT_EQ(env.size(), 3u);
  EXPECT_EQ(env["A"], "1");
  EXPECT_EQ(env["B"], "x=y");
  EXPECT_EQ(env["C"], "");
  EXPECT_TRUE(EnvironmentFromArray(nullptr).empty());
}

}  // namespace
}  // namespace di
