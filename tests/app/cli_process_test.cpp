// Process tests: the real diamond-ingest binary, run with an exact
// environment (nothing inherited) in an empty working directory.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "process.h"

namespace di::test {
namespace {

std::string Binary() {
  const char* dir = std::getenv("DI_BIN_DIR");
  return std::string(dir != nullptr ? dir : ".") + "/diamond-ingest";
}

size_t CountLines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

class CliTest : public ::testing::Test {
 protected:
  ProcessResult Run(std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), Binary());
    return RunProcess(args, env, dir_.path());
  }
  // Asserts exit 2 with exactly one stderr line that contains NAME, no stdout.
  void ExpectConfigError(const ProcessResult& r, const std::string& name) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(CountLines(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.back(), '\n');
    EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
  TempDir dir_;
};

TEST_F(CliTest, BinaryExists) {
  std::ifstream in(Binary());
  ASSERT_TRUE(in.good()) << Binary() << " missing; is DI_BIN_DIR set?";
}

TEST_F(CliTest, InvalidPageSizes) {
  for (const char* value : {"abc", "-1", "51", "0", "1.5"}) {
    ProcessResult r = Run({"config"}, {std::string("PAGE_SIZE=") + value});
    ExpectConfigError(r, "PAGE_SIZE");
    EXPECT_NE(r.err.find(std::string("\"") + value + "\""), std::string::npos) << r.err;
  }
  ProcessResult r = Run({"config"}, {"PAGE_SIZE=51"});
  EXPECT_EQ(r.err, "diamond-ingest: invalid configuration: PAGE_SIZE: \"51\" is out of range (allowed: 1..50)\n");
}

TEST_F(CliTest, InvalidRetentionSettings) {
  const std::pair<const char*, const char*> bad[] = {{"RUN_HISTORY_RETENTION_DAYS", "-1"},
                                                     {"RUN_HISTORY_RETENTION_DAYS", "forever"},
                                                     {"RUN_HISTORY_KEEP_RUNS", "0"},
                                                     {"REQUEST_SECONDS_RETENTION_DAYS", "14 days"},
                                                     {"DEAD_LETTER_RETENTION_DAYS", "99999"}};
  for (const auto& [name, value] : bad) {
    ProcessResult r = Run({"prune"}, {std::string(name) + "=" + value});
    ExpectConfigError(r, name);
  }
}

TEST_F(CliTest, InvalidEndpoint) {
  ProcessResult r = Run({"config"}, {"NIVODA_ENDPOINT=notaurl"});
  ExpectConfigError(r, "NIVODA_ENDPOINT");
  EXPECT_NE(r.err.find("not a valid URL"), std::string::npos);
}

TEST_F(CliTest, InvalidServiceBusConnectionStringIsNotEchoed) {
  ProcessResult r = Run({"config"}, {"AZURE_SERVICE_BUS_CONNECTION_STRING=garbage"});
  ExpectConfigError(r, "AZURE_SERVICE_BUS_CONNECTION_STRING");
  EXPECT_EQ(r.err.find("garbage"), std::string::npos) << r.err;
  ProcessResult keyed = Run({"config"}, {"AZURE_SERVICE_BUS_CONNECTION_STRING=Endpoint=https://ns/"
                                         ";SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0U0JrZXk="});
  ExpectConfigError(keyed, "AZURE_SERVICE_BUS_CONNECTION_STRING");
  EXPECT_EQ(keyed.err.find("c2VjcmV0U0JrZXk"), std::string::npos) << keyed.err;
}

// A storage key that is not base64 is refused at start-up (exit 2, naming the
// variable and the part), not found later as a 403 from the blob service.
TEST_F(CliTest, StorageKeyThatIsNotBase64ExitsTwoNamingTheVariable) {
  for (const char* key :
       {"not-base64!", "c2VjcmV0a2V5=", "c2Vj=mV0a2V5", "c2VjcmV0a2V5-_8="}) {  // url-safe alphabet too
    ProcessResult r = Run({"config"}, {std::string("AZURE_STORAGE_CONNECTION_STRING=AccountName=acct;AccountKey=") +
                                       key + ";BlobEndpoint=http://127.0.0.1:10000/acct"});
    ExpectConfigError(r, "AZURE_STORAGE_CONNECTION_STRING");
    EXPECT_NE(r.err.find("AccountKey is not valid base64"), std::string::npos) << key << ": " << r.err;
    EXPECT_EQ(r.err.find(key), std::string::npos) << "the key is echoed: " << r.err;
  }
}

TEST_F(CliTest, InvalidValuesFromEveryKindExitTwo) {
  const std::pair<const char*, const char*> cases[] = {
      {"SUCCESS_THRESHOLD", "0"},
      {"NIVODA_RATE_LIMIT", "fast"},
      {"NIVODA_TIMEOUT_SECONDS", "0"},
      {"NIVODA_INSECURE_TLS", "maybe"},
      {"FEED", "synthetic"},
      {"FEED", "natural,natural"},
      {"FULL_RUN_INTERVAL", "soon"},
      {"FULL_RUN_INTERVAL", "0"},
      {"METRICS_ADDR", "9464"},
      {"ALERT_EMAIL_TO", "nobody"},
      {"AZURE_STORAGE_CONNECTION_STRING", "AccountName=a;AccountKey=not-base64!"},
      {"DATABASE_URL", "mysql://root:db-secret-77@h/db"},
  };
  for (const auto& [name, value] : cases) {
    ProcessResult r = Run({"config"}, {std::string(name) + "=" + value});
    ExpectConfigError(r, name);
  }
}

TEST_F(CliTest, InvalidFlagValueNamesTheVariable) {
  ProcessResult r = Run({"--page-size", "abc", "config"});
  ExpectConfigError(r, "PAGE_SIZE");
  EXPECT_NE(r.err.find("--page-size"), std::string::npos);
  ProcessResult after = Run({"config", "--page-size=51"});  // global flags also after the subcommand
  ExpectConfigError(after, "PAGE_SIZE");
}

TEST_F(CliTest, UnknownFlagIsOneUsageLine) {
  ProcessResult r = Run({"--pgae-size=secret-ish-value", "config"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "diamond-ingest: unknown option --pgae-size (see --help)\n");
  ProcessResult missing_value = Run({"config", "--page-size"});
  EXPECT_EQ(missing_value.exit_code, 2);
  EXPECT_EQ(CountLines(missing_value.err), 1u) << missing_value.err;
  ProcessResult no_command = Run({});
  EXPECT_EQ(no_command.exit_code, 2);
  EXPECT_EQ(CountLines(no_command.err), 1u);
  ProcessResult bad_command = Run({"wrk"});
  EXPECT_EQ(bad_command.exit_code, 2);
  EXPECT_EQ(bad_command.err, "diamond-ingest: unknown subcommand wrk (see --help)\n");
}

TEST_F(CliTest, HelpListsEverySettingFlag) {
  ProcessResult r = Run({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--env-file", "--page-size", "--database-url", "--nivoda-insecure-tls", "--log-format"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(r.out.find("config"), std::string::npos);
}

TEST_F(CliTest, PrecedenceFlagEnvironmentDotenvDefault) {
  dir_.Write(".env", "PAGE_SIZE=20\nRETRY_ATTEMPTS=5\nWORKER_PARTITIONS=6\n");
  ProcessResult r = Run({"--page-size", "30", "config"}, {"PAGE_SIZE=10", "RETRY_ATTEMPTS=7"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("PAGE_SIZE=30 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("RETRY_ATTEMPTS=7 "), std::string::npos);
  EXPECT_NE(r.out.find("WORKER_PARTITIONS=6 "), std::string::npos);
  EXPECT_NE(r.out.find("QUEUE_MAX_DELIVERIES=10 "), std::string::npos);
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("PAGE_SIZE=")) {
      EXPECT_TRUE(line.ends_with("# flag")) << line;
    } else if (line.starts_with("RETRY_ATTEMPTS=")) {
      EXPECT_TRUE(line.ends_with("# environment")) << line;
    } else if (line.starts_with("WORKER_PARTITIONS=")) {
      EXPECT_TRUE(line.ends_with("# .env")) << line;
    }
  }
}

TEST_F(CliTest, EnvFileFlag) {
  std::string custom = dir_.Write("custom.env", "export FEED=labgrown\n");
  dir_.Write(".env", "FEED=natural\nPAGE_SIZE=12\n");
  ProcessResult r = Run({"--env-file", custom, "config"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("FEED=labgrown "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PAGE_SIZE=50 "), std::string::npos) << "./.env must not be read with --env-file";
  ProcessResult missing = Run({"--env-file", dir_.path() + "/nope.env", "config"});
  ExpectConfigError(missing, "--env-file");
  dir_.Write(".env", "PAGE_SIZE=99\n");
  ProcessResult bad_default = Run({"config"});
  ExpectConfigError(bad_default, "PAGE_SIZE");
  EXPECT_NE(bad_default.err.find("(from .env)"), std::string::npos) << bad_default.err;
}

// No secret appears in `config` output or in any log line, whatever the source.
TEST_F(CliTest, SecretsNeverAppear) {
  const std::vector<std::string> secrets = {"nivoda-pw-b7e19c", "re_resendkey_4411aa",
                                            "c3RvcmFnZS1rZXktc2VjcmV0LTE=", "c2VydmljZWJ1cy1rZXktc2VjcmV0",
                                            "db-pw-3c1d9e"};
  dir_.Write(".env", "RESEND_API_KEY=" + secrets[1] + "\n");
  std::vector<std::string> env = {
      "NIVODA_PASSWORD=" + secrets[0],
      "AZURE_STORAGE_CONNECTION_STRING=AccountName=acct;AccountKey=" + secrets[2],
      "AZURE_SERVICE_BUS_CONNECTION_STRING=Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;"
      "SharedAccessKey=" +
          secrets[3],
      "ALERT_EMAIL_TO=ops@example.com",
      "ALERT_EMAIL_FROM=di@example.com",
      "NIVODA_INSECURE_TLS=true",  // produces a log line on stderr
      "LOG_FORMAT=json",
  };
  ProcessResult r = Run({"--database-url", "postgresql://app:" + secrets[4] + "@db.example.com/di", "config"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const std::string& s : secrets) {
    EXPECT_EQ(r.out.find(s), std::string::npos) << s << " in stdout:\n" << r.out;
    EXPECT_EQ(r.err.find(s), std::string::npos) << s << " in stderr:\n" << r.err;
  }
  for (const char* name : {"NIVODA_PASSWORD=***", "RESEND_API_KEY=***", "DATABASE_URL=***",
                           "AZURE_STORAGE_CONNECTION_STRING=***", "AZURE_SERVICE_BUS_CONNECTION_STRING=***"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
  EXPECT_NE(r.err.find("\"level\":\"warn\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("NIVODA_INSECURE_TLS"), std::string::npos) << r.err;

  // And in the error line of an invalid secret.
  ProcessResult bad =
      Run({"config"}, {"DATABASE_URL=mysql://app:" + secrets[4] + "@h/db", "NIVODA_PASSWORD=" + secrets[0]});
  ExpectConfigError(bad, "DATABASE_URL");
  for (const std::string& s : secrets) EXPECT_EQ(bad.err.find(s), std::string::npos) << bad.err;
}

TEST_F(CliTest, LogFormatHumanAndJson) {
  ProcessResult human = Run({"config"}, {"NIVODA_INSECURE_TLS=1", "LOG_FORMAT=human"});
  ASSERT_EQ(human.exit_code, 0);
  EXPECT_NE(human.err.find(" warn NIVODA_INSECURE_TLS"), std::string::npos) << human.err;
  ProcessResult quiet = Run({"config"}, {"NIVODA_INSECURE_TLS=1", "LOG_LEVEL=error"});
  ASSERT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.err, "");
}

// The table in src/config/README.md is the one the binary generates.
TEST_F(CliTest, ReadmeTableMatchesGenerated) {
  const char* source_dir = std::getenv("DI_SOURCE_DIR");
  ASSERT_NE(source_dir, nullptr);
  std::ifstream in(std::string(source_dir) + "/src/config/README.md");
  ASSERT_TRUE(in.good());
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string readme = buffer.str();
  const std::string begin = "<!-- settings-table:begin (diamond-ingest config --markdown) -->\n";
  const std::string end = "<!-- settings-table:end -->";
  size_t b = readme.find(begin);
  size_t e = readme.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  std::string in_readme = readme.substr(b + begin.size(), e - b - begin.size());

  ProcessResult r = Run({"config", "--markdown"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(in_readme, r.out)
      << "src/config/README.md is stale: paste the output of `diamond-ingest config --markdown` between the markers";
}

}  // namespace
}  // namespace di::test
