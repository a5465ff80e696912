// `diamond-ingest run` as an operator sees it on a terminal: the real process
// under script(1) (a pseudo-terminal for stdout and stderr), INFO logs in the
// human format, against a nivoda-sim serving 1% malformed offers.
//   - log lines never glue onto the progress line (the screen is replayed:
//     \r, erase-line, newlines), planning shows progress, the rate is steady;
//   - the summary counts the offers that could not be stored (distinct
//     offers of raw_offer_failures), never "0 bad";
//   - a later run does not shrink an earlier run's report histogram.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "common/strings.h"
#include "process.h"
#include "sim_process.h"
#include "test_database.h"

namespace di {
namespace {

using testing::SimProcess;

// The lines a terminal shows after BYTES: "\r" returns to the line's start,
// ESC[K erases to its end, other escape sequences (colours) draw nothing.
std::vector<std::string> Screen(const std::string& bytes) {
  std::vector<std::string> lines;
  std::string line;
  size_t col = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '\r') {
      col = 0;
    } else if (c == '\n') {
      lines.push_back(line);
      line.clear();
      col = 0;
    } else if (c == '\033' && i + 1 < bytes.size() && bytes[i + 1] == '[') {
      size_t end = i + 2;
      while (end < bytes.size() && !std::isalpha(static_cast<unsigned char>(bytes[end]))) ++end;
      if (end < bytes.size() && bytes[end] == 'K') line.resize(std::min(line.size(), col));
      i = end;
    } else {
      if (col < line.size()) {
        line[col] = c;
      } else {
        line.push_back(c);
      }
      ++col;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

class RunTerminal : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sim = SimProcess::Start({"--natural", "3000", "--labgrown", "0", "--seed", "5", "--bad-offer-fraction", "0.01",
                                  "--latency-base-ms", "20"});
    ASSERT_TRUE(sim.ok()) << sim.status().ToString();
    sim_ = std::move(*sim);
    conn_ = db_.Connect();
  }

  std::vector<std::string> Env() const {
    return {"DATABASE_URL=" + db_.url(),
            "NIVODA_ENDPOINT=" + sim_->endpoint(),
            std::string("NIVODA_USERNAME=") + SimProcess::kUsername,
            std::string("NIVODA_PASSWORD=") + SimProcess::kPassword,
            "NIVODA_RATE_LIMIT=200",
            "RECORDS_PER_PARTITION=500",
            "MIN_RECORDS_PER_PARTITION=100",
            "LOG_LEVEL=info",
            "LOG_FORMAT=human",
            "METRICS_ADDR=127.0.0.1:0",
            "TERM=xterm",
            "PATH=/usr/bin:/bin"};
  }

  // `diamond-ingest ARGS...` under script(1): everything the terminal received.
  test::ProcessResult OnTerminal(const std::vector<std::string>& args) {
    std::string command = std::string(getenv("DI_BIN_DIR")) + "/diamond-ingest";
    for (const auto& a : args) command += " " + a;
    return test::RunProcess({"/usr/bin/script", "-qfec", command, "/dev/null"}, Env(), dir_.path());
  }

  std::string Scalar(const std::string& sql) {
    auto r = conn_->Exec(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() && r->rows() > 0 ? r->GetString(0, 0) : "";
  }

  testing::TestDatabase db_ = testing::TestDatabase::Create();
  std::unique_ptr<pg::Connection> conn_;
  std::unique_ptr<SimProcess> sim_;
  test::TempDir dir_;
};

TEST_F(RunTerminal, ProgressLogsAndSummaryStayApartAndCountBadOffers) {
  auto first = OnTerminal({"run"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const std::string& tty = first.out;
  static const std::regex kLog(R"(\d\d:\d\d:\d\d\.\d{3} (debug|info|warn|error) )");
  int log_lines = 0, glued = 0;
  for (const std::string& line : Screen(tty)) {
    const bool log = std::regex_search(line, kLog);
    const bool progress =
        line.find(" offers (") != std::string::npos || line.find("count queries") != std::string::npos;
    log_lines += log ? 1 : 0;
    if (log && progress) {
      if (++glued <= 3) ADD_FAILURE() << "a log line glued onto the progress line: " << line;
    }
    if (log) {
      EXPECT_TRUE(std::regex_search(line, std::regex(R"(^\d\d:\d\d:\d\d\.\d{3} )"))) << "not at a line start: " << line;
    }
  }
  EXPECT_GE(log_lines, 3) << "the run logged at info level:\n" << tty;
  EXPECT_NE(tty.find("plan   "), std::string::npos) << "progress while planning";
  EXPECT_NE(tty.find("pages/s"), std::string::npos);

  // The summary: bad offers are the distinct offers the run could not store.
  const std::string run = Scalar("SELECT run_id FROM run_metadata ORDER BY started_at DESC LIMIT 1");
  const int64_t distinct =
      std::stoll(Scalar("SELECT count(DISTINCT md5(raw)) FROM raw_offer_failures WHERE run_id = '" + run + "'"));
  ASSERT_GT(distinct, 0) << "the simulator served malformed offers";
  const std::string expected = "served but not storable";
  std::smatch m;
  ASSERT_TRUE(std::regex_search(tty, m, std::regex(R"(bad offers\s+(\d+): (\d+) served but not storable)"))) << tty;
  EXPECT_EQ(std::stoll(m[2]), distinct) << "distinct offers, not rows per sighting";
  EXPECT_GE(std::stoll(m[1]), distinct);

  // A later full run takes over every raw row; the first run's report still shows its own offers.
  const std::string stored =
      Scalar("SELECT consolidation_stats->>'seen' FROM run_metadata WHERE run_id = '" + run + "'");
  auto second = OnTerminal({"run", "--full"});
  ASSERT_EQ(second.exit_code, 0) << second.out;
  ASSERT_EQ(Scalar("SELECT count(*) FROM raw_diamonds_nivoda WHERE run_id = '" + run + "'"), "0");
  auto report = OnTerminal({"report", "--run-id", run, "--out", dir_.path() + "/report"});
  ASSERT_EQ(report.exit_code, 0) << report.out;
  std::ifstream in(dir_.path() + "/report/index.html");
  std::stringstream html;
  html << in.rdbuf();
  EXPECT_NE(html.str().find("The " + FormatCount(std::stoll(stored)) + " offers this run stored"), std::string::npos)
      << "the histogram of run " << run << " (" << stored << " stored)";
  EXPECT_NE(html.str().find(FormatCount(distinct) + " served but not storable"), std::string::npos);
}

}  // namespace
}  // namespace di
