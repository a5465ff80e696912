#include "config/settings.h"

#include <gtest/gtest.h>

#include <set>

namespace di {
namespace {

const Setting& Row(std::string_view name) {
  const Setting* s = FindSetting(name);
  EXPECT_NE(s, nullptr) << name;
  return *s;
}

// Applies TEXT to a fresh Config; returns the error message, "" on success.
std::string Apply(std::string_view name, std::string_view text, Config* config = nullptr) {
  Config local;
  Status st = ApplySetting(Row(name), text, config != nullptr ? config : &local);
  return st.ok() ? "" : st.message();
}

TEST(SettingsTableTest, NamesAndFlagsAreUniqueAndDerived) {
  std::set<std::string> names, flags;
  for (const Setting& s : AllSettings()) {
    EXPECT_TRUE(names.insert(std::string(s.name)).second) << s.name;
    EXPECT_TRUE(flags.insert(FlagName(s)).second) << s.name;
    EXPECT_FALSE(s.description.empty()) << s.name;
    EXPECT_EQ(s.description.find('\n'), std::string_view::npos) << s.name;
    EXPECT_EQ(s.kind == SettingKind::kEnum || s.kind == SettingKind::kEnumList, !s.choices.empty()) << s.name;
    EXPECT_EQ(s.kind == SettingKind::kDuration, s.unit != DurationUnit::kNone) << s.name;
  }
  EXPECT_EQ(FlagName(Row("PAGE_SIZE")), "--page-size");
  EXPECT_EQ(FlagName(Row("AZURE_SERVICE_BUS_CONNECTION_STRING")), "--azure-service-bus-connection-string");
  EXPECT_EQ(FindSetting("NOT_A_SETTING"), nullptr);
}

TEST(SettingsTableTest, SeedNamesArePresent) {
  for (const char* name :
       {"DATABASE_URL", "NIVODA_ENDPOINT", "NIVODA_USERNAME", "NIVODA_PASSWORD", "AZURE_STORAGE_CONNECTION_STRING",
        "AZURE_SERVICE_BUS_CONNECTION_STRING", "RESEND_API_KEY", "ALERT_EMAIL_TO", "ALERT_EMAIL_FROM"}) {
    EXPECT_NE(FindSetting(name), nullptr) << name;
  }
}

TEST(SettingsTableTest, SecretsAreMarked) {
  std::set<std::string> secrets;
  for (const Setting& s : AllSettings()) {
    if (s.secret) secrets.insert(std::string(s.name));
  }
  EXPECT_EQ(secrets, (std::set<std::string>{"DATABASE_URL", "NIVODA_PASSWORD", "AZURE_STORAGE_CONNECTION_STRING",
                                            "AZURE_SERVICE_BUS_CONNECTION_STRING", "RESEND_API_KEY"}));
}

// Every default applies to its field (so kind and field type agree), and
// formatting the result gives the default back (so enum orders agree).
TEST(SettingsTableTest, EveryDefaultAppliesAndRoundTrips) {
  for (const Setting& s : AllSettings()) {
    if (s.default_value.empty()) continue;
    Config config;
    Status st = ApplySetting(s, s.default_value, &config);
    ASSERT_TRUE(st.ok()) << s.name << ": " << st.ToString();
    EXPECT_EQ(FormatSetting(s, config), s.secret ? "***" : s.default_value) << s.name;
  }
}

// Every choice of every enum round-trips through its typed field.
TEST(SettingsTableTest, EveryEnumChoiceRoundTrips) {
  for (const Setting& s : AllSettings()) {
    for (std::string_view choice : s.choices) {
      Config config;
      ASSERT_TRUE(ApplySetting(s, choice, &config).ok()) << s.name << "=" << choice;
      EXPECT_EQ(FormatSetting(s, config), choice) << s.name;
    }
  }
}

TEST(SettingKindTest, Int) {
  Config c;
  EXPECT_EQ(Apply("PAGE_SIZE", "30", &c), "");
  EXPECT_EQ(c.page_size, 30);
  EXPECT_EQ(Apply("PAGE_SIZE", " 7 ", &c), "");
  EXPECT_EQ(c.page_size, 7);
  EXPECT_EQ(Apply("PAGE_SIZE", "1"), "");
  EXPECT_EQ(Apply("PAGE_SIZE", "50"), "");
  EXPECT_EQ(Apply("PAGE_SIZE", "abc"), "\"abc\" is not an integer (allowed: 1..50)");
  EXPECT_EQ(Apply("PAGE_SIZE", "-1"), "\"-1\" is out of range (allowed: 1..50)");
  EXPECT_EQ(Apply("PAGE_SIZE", "0"), "\"0\" is out of range (allowed: 1..50)");
  EXPECT_EQ(Apply("PAGE_SIZE", "51"), "\"51\" is out of range (allowed: 1..50)");
  for (const char* bad : {"1.5", "+5", "5x", "", " ", "99999999999999999999999"}) {
    EXPECT_NE(Apply("PAGE_SIZE", bad).find("is not an integer"), std::string::npos) << bad;
  }
  EXPECT_NE(Apply("RETRY_ATTEMPTS", "0"), "");
  EXPECT_NE(Apply("WORKER_PARTITIONS", "0"), "");
  EXPECT_NE(Apply("QUEUE_MAX_DELIVERIES", "0"), "");
}

TEST(SettingKindTest, Double) {
  Config c;
  EXPECT_EQ(Apply("SUCCESS_THRESHOLD", "1", &c), "");
  EXPECT_EQ(c.success_threshold, 1.0);
  EXPECT_EQ(Apply("SUCCESS_THRESHOLD", "0.5", &c), "");
  EXPECT_EQ(c.success_threshold, 0.5);
  EXPECT_EQ(Apply("SUCCESS_THRESHOLD", "0"), "\"0\" is out of range (allowed: (0, 1])");
  EXPECT_NE(Apply("SUCCESS_THRESHOLD", "1.01"), "");
  EXPECT_NE(Apply("SUCCESS_THRESHOLD", "-0.5"), "");
  for (const char* bad : {"nan", "inf", "0.5x", "", "seventy"}) {
    EXPECT_NE(Apply("SUCCESS_THRESHOLD", bad).find("is not a number"), std::string::npos) << bad;
  }
  EXPECT_EQ(Apply("NIVODA_RATE_LIMIT", "0.5", &c), "");
  EXPECT_EQ(c.nivoda_rate_limit, 0.5);
  EXPECT_NE(Apply("NIVODA_RATE_LIMIT", "0"), "");
  EXPECT_NE(Apply("NIVODA_RATE_LIMIT", "-25"), "");
}

TEST(SettingKindTest, Bool) {
  for (const char* yes : {"true", "TRUE", "1", "yes", "on"}) {
    Config c;
    EXPECT_EQ(Apply("NIVODA_INSECURE_TLS", yes, &c), "");
    EXPECT_TRUE(c.nivoda_insecure_tls) << yes;
  }
  for (const char* no : {"false", "False", "0", "no", "off"}) {
    Config c;
    c.nivoda_insecure_tls = true;
    EXPECT_EQ(Apply("NIVODA_INSECURE_TLS", no, &c), "");
    EXPECT_FALSE(c.nivoda_insecure_tls) << no;
  }
  EXPECT_NE(Apply("NIVODA_INSECURE_TLS", "maybe").find("is not a boolean"), std::string::npos);
}

TEST(SettingKindTest, Duration) {
  using std::chrono::milliseconds;
  Config c;
  EXPECT_EQ(Apply("RETRY_BASE_MS", "1500", &c), "");
  EXPECT_EQ(c.retry_base, milliseconds(1500));
  EXPECT_EQ(Apply("RETRY_BASE_MS", "2s", &c), "");
  EXPECT_EQ(c.retry_base, milliseconds(2000));
  EXPECT_EQ(Apply("NIVODA_TIMEOUT_SECONDS", "90", &c), "");
  EXPECT_EQ(c.nivoda_timeout, milliseconds(90000));
  EXPECT_EQ(Apply("NIVODA_TIMEOUT_SECONDS", "2m", &c), "");
  EXPECT_EQ(c.nivoda_timeout, milliseconds(120000));
  EXPECT_EQ(Apply("NIVODA_TIMEOUT_SECONDS", "1h", &c), "");
  EXPECT_EQ(c.nivoda_timeout, milliseconds(3600000));
  EXPECT_EQ(Apply("NIVODA_TIMEOUT_SECONDS", "1500ms", &c), "");
  EXPECT_EQ(c.nivoda_timeout, milliseconds(1500));
  EXPECT_EQ(Apply("INCREMENTAL_OVERLAP_MINUTES", "15", &c), "");
  EXPECT_EQ(c.incremental_overlap, milliseconds(15 * 60000));
  EXPECT_EQ(Apply("NIVODA_TIMEOUT_SECONDS", "0"), "\"0\" is out of range (allowed: 1..3600 seconds)");
  EXPECT_NE(Apply("NIVODA_TIMEOUT_SECONDS", "2h"), "");
  EXPECT_NE(Apply("NIVODA_TIMEOUT_SECONDS", "999ms"), "");  // below 1 s
  for (const char* bad : {"1.5", "-5", "10x", "s", "", "5 s", "99999999999999999"}) {
    EXPECT_NE(Apply("NIVODA_TIMEOUT_SECONDS", bad).find("is not a duration"), std::string::npos) << bad;
  }
  EXPECT_EQ(Apply("CONSOLIDATION_DELAY_SECONDS", "0", &c), "");
  EXPECT_EQ(c.consolidation_delay, milliseconds(0));
  // A value that is not a whole number of the unit is shown in ms.
  c.nivoda_timeout = milliseconds(1500);
  EXPECT_EQ(FormatSetting(Row("NIVODA_TIMEOUT_SECONDS"), c), "1500ms");
}

TEST(SettingKindTest, EnumList) {
  Config c;
  EXPECT_EQ(Apply("FEED", "natural, LabGrown", &c), "");
  EXPECT_EQ(c.feeds, (std::vector<Feed>{Feed::kNatural, Feed::kLabgrown}));
  EXPECT_EQ(FormatSetting(Row("FEED"), c), "natural,labgrown");
  EXPECT_EQ(Apply("FEED", "labgrown,natural", &c), "");
  EXPECT_EQ(c.feeds, (std::vector<Feed>{Feed::kLabgrown, Feed::kNatural}));
  EXPECT_EQ(Apply("FEED", "natural,natural"), "\"natural,natural\" names natural twice");
  EXPECT_EQ(Apply("FEED", "natural,synthetic"),
            "\"natural,synthetic\" lists \"synthetic\", not one of natural, labgrown");
  EXPECT_NE(Apply("FEED", "natural,"), "");
  EXPECT_NE(Apply("FEED", ","), "");
}

TEST(SettingKindTest, DurationInHours) {
  Config c;
  EXPECT_EQ(Apply("FULL_RUN_INTERVAL", "24", &c), "");
  EXPECT_EQ(c.full_run_interval, std::chrono::hours(24));
  EXPECT_EQ(Apply("FULL_RUN_INTERVAL", "90m", &c), "");
  EXPECT_EQ(c.full_run_interval, std::chrono::minutes(90));
  EXPECT_EQ(FormatSetting(Row("FULL_RUN_INTERVAL"), c), "5400000ms");
  EXPECT_EQ(Apply("FULL_RUN_INTERVAL", "0"), "\"0\" is out of range (allowed: (0, 8760] hours)");
  EXPECT_NE(Apply("FULL_RUN_INTERVAL", "8761"), "");
  EXPECT_NE(Apply("FULL_RUN_INTERVAL", "daily").find("is not a duration (a whole number of hours"), std::string::npos);
}

TEST(SettingKindTest, RetentionInDays) {
  using std::chrono::hours;
  Config c;
  for (const char* name :
       {"RUN_HISTORY_RETENTION_DAYS", "REQUEST_SECONDS_RETENTION_DAYS", "DEAD_LETTER_RETENTION_DAYS"}) {
    EXPECT_EQ(Apply(name, "7", &c), "") << name;
    EXPECT_EQ(Apply(name, "36h", &c), "") << name;
    EXPECT_EQ(Apply(name, "0", &c), "") << name;  // keep forever
    EXPECT_EQ(Apply(name, "36501"), "\"36501\" is out of range (allowed: 0..36500 days)") << name;
    EXPECT_NE(Apply(name, "-1").find("is not a duration (a whole number of days, or with a suffix ms, s, m, h or d)"),
              std::string::npos)
        << name;
    EXPECT_NE(Apply(name, "weekly").find("is not a duration"), std::string::npos) << name;
  }
  EXPECT_EQ(Apply("RUN_HISTORY_RETENTION_DAYS", "7", &c), "");
  EXPECT_EQ(c.run_history_retention, hours(7 * 24));
  EXPECT_EQ(Apply("REQUEST_SECONDS_RETENTION_DAYS", "2d", &c), "");
  EXPECT_EQ(c.request_seconds_retention, hours(48));
  EXPECT_EQ(Apply("DEAD_LETTER_RETENTION_DAYS", "36h", &c), "");
  EXPECT_EQ(c.dead_letter_retention, hours(36));
  EXPECT_EQ(FormatSetting(Row("DEAD_LETTER_RETENTION_DAYS"), c), "129600000ms");
  EXPECT_EQ(Apply("RUN_HISTORY_KEEP_RUNS", "0"), "\"0\" is out of range (allowed: 1..1000000)");
  EXPECT_EQ(Apply("RUN_HISTORY_KEEP_RUNS", "100", &c), "");
  EXPECT_EQ(c.run_history_keep_runs, 100);
}

TEST(SettingKindTest, Enum) {
  Config c;
  EXPECT_EQ(Apply("FEED", "labgrown", &c), "");
  EXPECT_EQ(c.feeds, std::vector<Feed>{Feed::kLabgrown});
  EXPECT_EQ(Apply("FEED", "Natural", &c), "");
  EXPECT_EQ(c.feeds, std::vector<Feed>{Feed::kNatural});
  EXPECT_EQ(Apply("FEED", "synthetic"), "\"synthetic\" is not one of natural, labgrown");
  EXPECT_EQ(Apply("HEATMAP", "seed", &c), "");
  EXPECT_EQ(c.heatmap, HeatmapMode::kSeed);
  EXPECT_EQ(Apply("LOG_LEVEL", "warn", &c), "");
  EXPECT_EQ(c.log_level, log::Level::kWarn);
  EXPECT_EQ(Apply("LOG_LEVEL", "debug", &c), "");
  EXPECT_EQ(c.log_level, log::Level::kDebug);
  EXPECT_EQ(Apply("LOG_FORMAT", "human", &c), "");
  EXPECT_EQ(c.log_format, LogFormatSetting::kHuman);
  EXPECT_NE(Apply("LOG_FORMAT", "xml"), "");
}

TEST(SettingKindTest, UrlAndHostPort) {
  Config c;
  EXPECT_EQ(Apply("NIVODA_ENDPOINT", "https://intg-customer-staging.nivodaapi.net/api/diamonds", &c), "");
  EXPECT_EQ(c.nivoda_endpoint, "https://intg-customer-staging.nivodaapi.net/api/diamonds");
  EXPECT_EQ(Apply("NIVODA_ENDPOINT", "notaurl").rfind("\"notaurl\" is not a valid URL", 0), 0u);
  EXPECT_NE(Apply("RESEND_BASE_URL", "ftp://api.resend.com"), "");
  EXPECT_EQ(Apply("METRICS_ADDR", "0.0.0.0:0", &c), "");
  EXPECT_EQ(c.metrics_addr.host, "0.0.0.0");
  EXPECT_EQ(c.metrics_addr.port, 0);
  EXPECT_NE(Apply("METRICS_ADDR", "9464"), "");
}

TEST(SettingKindTest, EmailAndList) {
  Config c;
  EXPECT_EQ(Apply("ALERT_EMAIL_FROM", "Diamond Ingest <alerts@example.com>", &c), "");
  EXPECT_EQ(c.alert_email_from, "Diamond Ingest <alerts@example.com>");
  EXPECT_NE(Apply("ALERT_EMAIL_FROM", "alerts"), "");
  EXPECT_NE(Apply("ALERT_EMAIL_FROM", "a@b, c@d"), "");
  EXPECT_EQ(Apply("ALERT_EMAIL_TO", "ops@example.com, Dev <dev@example.com>", &c), "");
  EXPECT_EQ(c.alert_email_to, (std::vector<std::string>{"ops@example.com", "Dev <dev@example.com>"}));
  EXPECT_EQ(FormatSetting(Row("ALERT_EMAIL_TO"), c), "ops@example.com,Dev <dev@example.com>");
  EXPECT_NE(Apply("ALERT_EMAIL_TO", "ops@example.com,,dev@example.com"), "");
  EXPECT_NE(Apply("ALERT_EMAIL_TO", "@example.com"), "");
}

TEST(SettingKindTest, ConnectionStringsFillTypedFields) {
  Config c;
  EXPECT_EQ(Apply("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true", &c), "");
  ASSERT_TRUE(c.azure_storage.has_value());
  EXPECT_TRUE(c.azure_storage->development_storage);
  EXPECT_EQ(Apply("AZURE_SERVICE_BUS_CONNECTION_STRING",
                  "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=aGVsbG8=", &c),
            "");
  ASSERT_TRUE(c.azure_service_bus.has_value());
  EXPECT_EQ(c.azure_service_bus->host, "ns.servicebus.windows.net");
  EXPECT_EQ(FormatSetting(Row("AZURE_SERVICE_BUS_CONNECTION_STRING"), c), "***");
  EXPECT_EQ(Apply("DATABASE_URL", "postgres://u:pw@h/db", &c), "");
  EXPECT_EQ(c.database_url, "postgres://u:pw@h/db");
}

// A secret's value never appears in the message of a failed parse.
TEST(SettingKindTest, SecretErrorsDoNotQuoteTheValue) {
  const std::pair<const char*, const char*> cases[] = {
      {"AZURE_SERVICE_BUS_CONNECTION_STRING", "TOPSECRETgarbage"},
      {"AZURE_SERVICE_BUS_CONNECTION_STRING", "Endpoint=http://x/;SharedAccessKeyName=k;SharedAccessKey=TOPSECRET"},
      {"AZURE_STORAGE_CONNECTION_STRING", "AccountName=a;AccountKey=TOPSECRET!"},
      {"AZURE_STORAGE_CONNECTION_STRING", "TOPSECRET"},
      {"DATABASE_URL", "mysql://u:TOPSECRET@h/db"},
      {"DATABASE_URL", "TOPSECRET"},
  };
  for (const auto& [name, value] : cases) {
    std::string message = Apply(name, value);
    ASSERT_NE(message, "") << name << "=" << value;
    EXPECT_EQ(message.find("TOPSECRET"), std::string::npos) << message;
  }
}

TEST(SettingKindTest, NonSecretErrorsQuoteOnOneLine) {
  std::string message = Apply("PAGE_SIZE", "1\n2");
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_NE(message.find("\"1\\x0a2\""), std::string::npos) << message;
}

TEST(SecretsInTest, ExtractsKeysAndPasswords) {
  auto db = SecretsIn(Row("DATABASE_URL"), "postgres://u:p%40ssw0rd@h/db");
  EXPECT_EQ(db, (std::vector<std::string>{"postgres://u:p%40ssw0rd@h/db", "p@ssw0rd", "p%40ssw0rd"}));
  auto sb = SecretsIn(Row("AZURE_SERVICE_BUS_CONNECTION_STRING"),
                      "Endpoint=sb://ns/;SharedAccessKeyName=k;SharedAccessKey=aGVsbG8=");
  EXPECT_EQ(sb.back(), "aGVsbG8=");
  auto st = SecretsIn(Row("AZURE_STORAGE_CONNECTION_STRING"), "AccountName=a;AccountKey=aGVsbG8=");
  EXPECT_EQ(st.back(), "aGVsbG8=");
  EXPECT_EQ(SecretsIn(Row("NIVODA_PASSWORD"), "pw123456"), std::vector<std::string>{"pw123456"});
  EXPECT_TRUE(SecretsIn(Row("NIVODA_USERNAME"), "alice").empty());
  EXPECT_EQ(SecretsIn(Row("DATABASE_URL"), "garbage-url"), std::vector<std::string>{"garbage-url"});
}

TEST(RenderTest, MarkdownHasOneRowPerSetting) {
  std::string md = RenderSettingsMarkdown();
  size_t rows = 0;
  for (size_t p = md.find('\n'); p != std::string::npos; p = md.find('\n', p + 1)) ++rows;
  EXPECT_EQ(rows, AllSettings().size() + 2);
  EXPECT_NE(md.find("| `PAGE_SIZE` | `--page-size` | int | `50` | `1..50` |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `RESEND_API_KEY` | `--resend-api-key` | string | (unset) |  | **Secret.**"), std::string::npos);
  EXPECT_NE(md.find("duration (seconds) | `60` | `1..3600`"), std::string::npos);
}

TEST(RenderTest, EffectiveConfigHidesSecretsAndNamesSources) {
  Config c;
  for (const Setting& s : AllSettings()) {
    if (s.default_value.empty()) continue;
    ASSERT_TRUE(ApplySetting(s, s.default_value, &c).ok());
  }
  ASSERT_TRUE(ApplySetting(Row("NIVODA_PASSWORD"), "hunter2-password", &c).ok());
  c.sources["NIVODA_PASSWORD"] = ValueSource::kEnvironment;
  c.sources["PAGE_SIZE"] = ValueSource::kFlag;
  std::string text = RenderEffectiveConfig(c);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_NE(text.find("NIVODA_PASSWORD=***"), std::string::npos);
  EXPECT_NE(text.find("# environment\n"), std::string::npos);
  EXPECT_NE(text.find("PAGE_SIZE=50"), std::string::npos);
  EXPECT_NE(text.find("RESEND_API_KEY=  "), std::string::npos);  // unset: empty, not ***
}

}  // namespace
}  // namespace di
