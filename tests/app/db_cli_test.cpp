// `diamond-ingest db status|stop` on the embedded PostgreSQL a command started
// under DI_DATA_DIR: status says whether it runs, where and which version (and
// never starts it); the URL it prints works; stop ends it by its PID.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <regex>

#include "process.h"

namespace di {
namespace {

class DbCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));  // the postgres user may enter
    data_ = dir_.path() + "/data";
  }
  void TearDown() override { (void)Di({"db", "stop"}); }
  test::ProcessResult Di(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {std::string(getenv("DI_BIN_DIR")) + "/diamond-ingest"};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::RunProcess(argv, {"PATH=/usr/bin:/bin", "DI_DATA_DIR=" + data_, "LOG_FORMAT=json"}, dir_.path());
  }
  test::TempDir dir_;
  std::string data_;
};

std::string Capture(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : "";
}

TEST_F(DbCli, StatusAndStopOfTheEmbeddedPostgres) {
  test::ProcessResult none = Di({"db", "status"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_NE(none.out.find("embedded PostgreSQL: none under " + data_ + "/pg"), std::string::npos) << none.out;
  EXPECT_FALSE(std::filesystem::exists(data_ + "/pg/data")) << "status never starts it";

  test::ProcessResult migrated = Di({"migrate"});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  test::ProcessResult running = Di({"db", "status"});
  ASSERT_EQ(running.exit_code, 0) << running.err;
  const std::string pid = Capture(running.out, R"(embedded PostgreSQL: running \(pid (\d+)\))");
  ASSERT_FALSE(pid.empty()) << running.out;
  EXPECT_NE(running.out.find("socket:    " + data_ + "/pg/socket (Unix socket only, directory mode 0700; no TCP)"),
            std::string::npos)
      << running.out;
  EXPECT_NE(running.out.find("version:   PostgreSQL 1"), std::string::npos) << running.out;
  const std::string url = Capture(running.out, R"(url:\s+(\S+))");
  ASSERT_EQ(url.rfind("postgresql://postgres@%2F", 0), 0u) << running.out;
  test::ProcessResult psql = test::RunProcess(
      {"/usr/bin/psql", url, "-XAtc", "SELECT count(*) > 0 FROM schema_migrations"}, {"PATH=/usr/bin:/bin"}, "/");
  EXPECT_EQ(psql.out, "t\n") << psql.err;

  test::ProcessResult stopped = Di({"db", "stop"});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_NE(stopped.out.find("stopped the embedded PostgreSQL under " + data_ + "/pg (pid " + pid + ")"),
            std::string::npos)
      << stopped.out;
  EXPECT_NE(kill(static_cast<pid_t>(std::stol(pid)), 0), 0) << "the postmaster is gone";
  test::ProcessResult after = Di({"db", "status"});
  EXPECT_NE(after.out.find("embedded PostgreSQL: stopped"), std::string::npos) << after.out;
  test::ProcessResult again = Di({"db", "stop"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("was not running"), std::string::npos) << again.out;
  EXPECT_EQ(Di({"db", "restart"}).exit_code, 2) << "only status and stop";
}

}  // namespace
}  // namespace di
