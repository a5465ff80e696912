// `nivoda-sim &` then `diamond-ingest run` works with no settings at all: the
// client's defaults (NIVODA_ENDPOINT's port, NIVODA_USERNAME, NIVODA_PASSWORD)
// are the simulator's. Proved on the values each binary states in its own
// --help / config output, then by a run against a simulator started with
// nothing but a port (its default 8765 may be taken on a shared machine) and
// a client given nothing but that endpoint (and a database of the suite's).
#include <gtest/gtest.h>

#include <regex>

#include "process.h"
#include "sim_process.h"
#include "test_database.h"

namespace di {
namespace {

using testing::SimProcess;

std::string Bin(const std::string& name) { return std::string(getenv("DI_BIN_DIR")) + "/" + name; }

// The first capture of PATTERN in TEXT, or "".
std::string Capture(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : "";
}

TEST(Defaults, TheClientsDefaultsAreTheSimulatorsDefaults) {
  const std::vector<std::string> env = {"PATH=/usr/bin:/bin"};
  test::ProcessResult sim = test::RunProcess({Bin("nivoda-sim"), "--help"}, env, "/");
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  const std::string sim_port = Capture(sim.out, R"(--port\s+INT=(\d+)\s)");
  const std::string sim_user = Capture(sim.out, R"(--username\s+TEXT=(\S+)\s)");
  const std::string sim_password = Capture(sim.out, R"(--password\s+TEXT=(\S+)\s)");
  ASSERT_FALSE(sim_port.empty()) << sim.out;
  ASSERT_FALSE(sim_user.empty()) << sim.out;
  ASSERT_FALSE(sim_password.empty()) << sim.out;

  test::ProcessResult config = test::RunProcess({Bin("diamond-ingest"), "config"}, env, "/");
  ASSERT_EQ(config.exit_code, 0) << config.err;
  EXPECT_EQ(Capture(config.out, R"(NIVODA_ENDPOINT=(\S+)\s+# default)"),
            "http://127.0.0.1:" + sim_port + "/api/diamonds");
  EXPECT_EQ(Capture(config.out, R"(NIVODA_USERNAME=(\S+)\s+# default)"), sim_user);
  // `config` shows secrets as ***; the settings table states the default.
  test::ProcessResult table = test::RunProcess({Bin("diamond-ingest"), "config", "--markdown"}, env, "/");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(Capture(table.out, R"(\| `NIVODA_PASSWORD` \|[^|]*\|[^|]*\| `([^`]+)` \|)"), sim_password);
}

TEST(Defaults, RunSyncsFromASimulatorStartedWithItsDefaults) {
  testing::TestDatabase db = testing::TestDatabase::Create(/*migrate=*/false);
  auto sim = SimProcess::Start({"--natural", "2000", "--labgrown", "0"});  // + "--port 0": nothing else
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  test::TempDir dir;
  // The metrics port too is left to the system: the suite runs tests side by side.
  test::ProcessResult run =
      test::RunProcess({Bin("diamond-ingest"), "run"},
                       {"PATH=/usr/bin:/bin", "DATABASE_URL=" + db.url(), "NIVODA_ENDPOINT=" + (*sim)->endpoint(),
                        "DI_DATA_DIR=" + dir.path(), "METRICS_ADDR=127.0.0.1:0", "LOG_FORMAT=json"},
                       dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err.substr(0, 4000);
  auto conn = db.Connect();
  auto count = conn->Exec("SELECT count(*) FROM diamonds WHERE status = 'active'");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(count->GetInt64(0, 0), 2000);
}

}  // namespace
}  // namespace di
