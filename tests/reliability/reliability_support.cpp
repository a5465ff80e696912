// Helpers of the reliability scenarios: see reliability_support.h.
#include "reliability_support.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace di::testing::reliability {

bool SoakMode() {
  const char* v = std::getenv("DI_SOAK");
  return v && std::string(v) == "1";
}

uint64_t ScenarioSeed() {
  if (const char* v = std::getenv("DI_SEED"); v && *v) return std::strtoull(v, nullptr, 10);
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::string ScenarioDir(const std::string& name) {
  const char* base = std::getenv("DI_TEST_SERVERS_DIR");
  std::filesystem::path dir =
      std::filesystem::path(base ? base : "/tmp/diamond-ingest-test-servers") / "reliability" / name;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  return dir.string();
}

pid_t SpawnDiamondIngest(const std::vector<std::string>& args, const std::vector<std::string>& env,
                         const std::string& log_path) {
  std::vector<std::string> argv = {DiamondIngestBin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return SpawnProcess(argv, env, log_path, LogMode::kAppend);
}

bool Reaped(pid_t pid, int* status, bool block) {
  int s = 0;
  pid_t r;
  do {
    r = waitpid(pid, &s, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid && status) *status = s;
  return r == pid || (r < 0 && errno == ECHILD);
}

void KillAndReap(pid_t pid, int sig) {
  if (pid <= 0) return;
  kill(pid, sig);
  Reaped(pid, nullptr, true);
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

int RunDiamondIngest(const std::vector<std::string>& args, const std::vector<std::string>& env,
                     const std::string& log_path, std::chrono::seconds timeout) {
  pid_t pid = SpawnDiamondIngest(args, env, log_path);
  double deadline = Now() + static_cast<double>(timeout.count());
  int status = 0;
  while (!Reaped(pid, &status)) {
    if (Now() > deadline) {
      KillAndReap(pid, SIGKILL);
      return -2;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ScenarioProcesses::ScheduleFull(pg::Connection& conn) {
  int rc = RunDiamondIngest({"schedule", "--full"}, env_, log_dir_ + "/schedule.log", std::chrono::seconds(120));
  EXPECT_EQ(rc, 0) << "schedule --full; see " << log_dir_ << "/schedule.log";
  auto run = conn.Exec("SELECT run_id FROM run_metadata");
  EXPECT_TRUE(run.ok() && run->rows() == 1) << "one run scheduled";
  return rc == 0 && run.ok() && run->rows() == 1 ? run->GetString(0, 0) : "";
}

pid_t ScenarioProcesses::StartWorker(int slot) {
  return SpawnDiamondIngest({"work"}, env_, log_dir_ + "/worker-" + std::to_string(slot) + ".log");
}

void ScenarioProcesses::StartConsolidator() {
  consolidator_ = SpawnDiamondIngest({"consolidate"}, env_, log_dir_ + "/consolidator.log");
}

void ScenarioProcesses::Start(int workers) {
  for (int i = 0; i < workers; ++i) workers_.push_back(StartWorker(i));
  StartConsolidator();
}

pid_t ScenarioProcesses::KillAndRestartWorker(int slot) {
  pid_t& pid = workers_.at(static_cast<size_t>(slot));
  KillAndReap(pid, SIGKILL);
  pid = StartWorker(slot);
  return pid;
}

void ScenarioProcesses::KillConsolidator() {
  KillAndReap(consolidator_, SIGKILL);
  consolidator_ = -1;
}

int ScenarioProcesses::RestartExited(int first_worker) {
  int exited = 0;
  int status = 0;
  for (size_t i = static_cast<size_t>(first_worker); i < workers_.size(); ++i) {
    if (workers_[i] > 0 && Reaped(workers_[i], &status)) {
      ++exited;
      ADD_FAILURE() << "worker " << i << " exited by itself (" << DescribeWaitStatus(status) << "); see " << log_dir_;
      workers_[i] = StartWorker(static_cast<int>(i));
    }
  }
  if (consolidator_ > 0 && Reaped(consolidator_, &status)) {
    ++exited;
    ADD_FAILURE() << "the consolidator exited by itself (" << DescribeWaitStatus(status) << "); see " << log_dir_;
    StartConsolidator();
  }
  return exited;
}

void ScenarioProcesses::StopAll(int sig) {
  for (pid_t& pid : workers_) {
    KillAndReap(pid, sig);
    pid = -1;
  }
  KillAndReap(consolidator_, sig);
  consolidator_ = -1;
}

int64_t CountLogLines(const std::string& dir, const std::vector<std::string>& needles) {
  int64_t n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".log") continue;
    std::ifstream in(e.path());
    std::string line;
    while (std::getline(in, line)) {
      for (const auto& needle : needles) {
        if (line.find(needle) != std::string::npos) {
          ++n;
          break;
        }
      }
    }
  }
  return n;
}

int64_t Scalar(pg::Connection& conn, const std::string& sql, const pg::Params& params) {
  auto r = conn.Exec(sql, params);
  if (!r.ok() || r->rows() != 1 || r->IsNull(0, 0)) return -1;
  return r->GetInt64(0, 0);
}

namespace {

std::map<std::string, std::string> Rows(pg::Connection& conn, const std::string& sql, const pg::Params& params) {
  std::map<std::string, std::string> out;
  auto r = conn.Exec(sql, params);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  for (int i = 0; r.ok() && i < r->rows(); ++i) out[r->GetString(i, 0)] = r->GetString(i, 1);
  return out;
}

}  // namespace

SyncCheck CheckSync(pg::Connection& conn, const std::string& run_id, const std::vector<SimDumpRow>& truth,
                    const std::string& feed) {
  SyncCheck c;
  std::map<std::string, std::string> truth_hash, truth_price;
  for (const auto& row : truth) {
    truth_hash[row.stone_id] = row.payload_sha256;
    truth_price[row.stone_id] = std::to_string(row.price_cents);
  }
  c.expected = static_cast<int64_t>(truth_hash.size());
  pg::Params f = {pg::P(feed)}, fr = {pg::P(feed), pg::P(run_id)}, r = {pg::P(run_id)};

  auto raw = Rows(conn, "SELECT supplier_stone_id, payload_hash FROM raw_diamonds_nivoda WHERE feed = $1", f);
  c.raw_rows = Scalar(conn, "SELECT count(*) FROM raw_diamonds_nivoda WHERE feed = $1", f);
  c.raw_duplicates = c.raw_rows - Scalar(conn,
                                         "SELECT count(DISTINCT supplier_stone_id) FROM raw_diamonds_nivoda"
                                         " WHERE feed = $1",
                                         f);
  c.raw_of_other_runs = Scalar(conn, "SELECT count(*) FROM raw_diamonds_nivoda WHERE feed = $1 AND run_id <> $2", fr);
  c.raw_missing_or_stale = DescribeDifference(truth_hash, raw);
  c.raw_extra = DescribeDifference(raw, truth_hash);

  auto diamonds = Rows(conn, "SELECT supplier_stone_id, price_cents::text FROM diamonds WHERE feed = $1", f);
  c.diamonds_rows = Scalar(conn, "SELECT count(*) FROM diamonds WHERE feed = $1", f);
  c.diamonds_duplicates = c.diamonds_rows - Scalar(conn,
                                                   "SELECT count(DISTINCT supplier_stone_id) FROM diamonds"
                                                   " WHERE feed = $1",
                                                   f);
  c.diamonds_not_active = Scalar(conn,
                                 "SELECT count(*) FROM diamond_last_seen WHERE feed = $1 AND"
                                 " (status <> 'active' OR last_seen_run_id IS DISTINCT FROM $2)",
                                 fr);
  std::map<std::string, std::string> truth_ids, diamond_ids;
  for (const auto& [k, v] : truth_hash) truth_ids[k] = "";
  for (const auto& [k, v] : diamonds) diamond_ids[k] = "";
  c.diamonds_missing = DescribeDifference(truth_ids, diamond_ids);
  c.diamonds_extra = DescribeDifference(diamond_ids, truth_ids);
  for (const auto& [k, price] : diamonds) {
    auto it = truth_price.find(k);
    if (it != truth_price.end() && it->second != price) ++c.price_mismatches;
  }
  c.consolidation_failures = Scalar(conn, "SELECT count(*) FROM consolidation_failures WHERE run_id = $1", r);

  auto run = conn.Exec(
      "SELECT status, expected_partitions, completed_partitions, failed_partitions,"
      " (consolidation_stats->>'mapped')::bigint FROM run_metadata WHERE run_id = $1",
      r);
  if (run.ok() && run->rows() == 1) {
    c.run_status = run->GetString(0, 0);
    c.expected_partitions = run->GetInt64(0, 1);
    c.completed_partitions = run->GetInt64(0, 2);
    c.failed_partitions = run->GetInt64(0, 3);
    c.mapped = run->IsNull(0, 4) ? -1 : run->GetInt64(0, 4);
  }
  c.partition_rows_completed =
      Scalar(conn, "SELECT count(*) FROM partition_runs WHERE run_id = $1 AND status = 'completed'", r);
  c.partitions = Scalar(conn, "SELECT count(*) FROM partition_progress WHERE run_id = $1", r);
  c.max_partition_rows = Scalar(conn,
                                "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM partition_runs"
                                " WHERE run_id = $1 GROUP BY partition_id) t",
                                r);

  c.watermark_rows = Scalar(conn, "SELECT count(*) FROM watermarks WHERE feed = $1", f);
  auto wm = conn.Exec(
      "SELECT w.last_run_id, w.version,"
      " (w.last_updated_at = m.updated_to AND m.watermark_after = m.updated_to)"
      " FROM watermarks w, run_metadata m WHERE w.feed = $1 AND m.run_id = $2",
      fr);
  if (wm.ok() && wm->rows() == 1) {
    c.watermark_run = wm->GetString(0, 0);
    c.watermark_version = wm->GetInt64(0, 1);
    c.watermark_at_updated_to = wm->GetBool(0, 2);
  }
  c.queue_left = Scalar(conn, "SELECT count(*) FROM queue_messages");
  c.dead_letters = Scalar(conn, "SELECT count(*) FROM queue_dead_letters");
  return c;
}

void ExpectExactSync(const SyncCheck& c) {
  EXPECT_GT(c.expected, 0);
  EXPECT_EQ(c.run_status, "completed");
  EXPECT_EQ(c.raw_rows, c.expected);
  EXPECT_EQ(c.raw_missing_or_stale, "") << "truth stones missing from raw or with another payload";
  EXPECT_EQ(c.raw_extra, "") << "raw stones the simulator does not have";
  EXPECT_EQ(c.raw_of_other_runs, 0);
  EXPECT_EQ(c.raw_duplicates, 0);
  EXPECT_EQ(c.diamonds_rows, c.expected);
  EXPECT_EQ(c.diamonds_missing, "");
  EXPECT_EQ(c.diamonds_extra, "");
  EXPECT_EQ(c.diamonds_duplicates, 0);
  EXPECT_EQ(c.diamonds_not_active, 0) << "every diamond active and last seen by the run";
  EXPECT_EQ(c.price_mismatches, 0) << "diamonds.price_cents equals the simulator's price";
  EXPECT_EQ(c.consolidation_failures, 0);
  EXPECT_EQ(c.mapped, c.expected) << "consolidation counted every stone once (no batch counted twice)";
  EXPECT_GT(c.expected_partitions, 0);
  EXPECT_EQ(c.completed_partitions, c.expected_partitions) << "every partition counted once";
  EXPECT_EQ(c.partition_rows_completed, c.expected_partitions);
  EXPECT_EQ(c.partitions, c.expected_partitions);
  EXPECT_EQ(c.max_partition_rows, 1);
  EXPECT_EQ(c.failed_partitions, 0);
  EXPECT_EQ(c.watermark_rows, 1);
  EXPECT_EQ(c.watermark_version, 1) << "the watermark was written once (version counts effective advances)";
  EXPECT_TRUE(c.watermark_at_updated_to) << "watermark = run.updated_to = run.watermark_after";
  EXPECT_EQ(c.queue_left, 0);
  EXPECT_EQ(c.dead_letters, 0);
}

std::string FormatSyncTable(const SyncCheck& c) {
  auto row = [](const std::string& what, const std::string& expected, const std::string& found) {
    return "| " + what + " | " + expected + " | " + found + " |\n";
  };
  auto n = [](int64_t v) { return std::to_string(v); };
  auto diff = [](const std::string& d) { return d.empty() ? std::string("none") : d; };
  std::string out = "| check | expected | found |\n|---|---|---|\n";
  out += row("run status", "completed", c.run_status);
  out += row("raw rows (= simulator offers)", n(c.expected), n(c.raw_rows));
  out += row("raw missing or stale payload", "none", diff(c.raw_missing_or_stale));
  out += row("raw extra", "none", diff(c.raw_extra));
  out += row("diamonds rows", n(c.expected), n(c.diamonds_rows));
  out += row("diamonds missing / extra", "none", diff(c.diamonds_missing) + " / " + diff(c.diamonds_extra));
  out += row("diamonds price_cents differing from payload price", "0", n(c.price_mismatches));
  out += row("duplicate stones (raw / diamonds)", "0 / 0", n(c.raw_duplicates) + " / " + n(c.diamonds_duplicates));
  out += row("consolidation_stats.mapped", n(c.expected), n(c.mapped));
  out += row("partitions completed (run_metadata / partition_runs)", n(c.expected_partitions),
             n(c.completed_partitions) + " / " + n(c.partition_rows_completed));
  out += row("failed partitions", "0", n(c.failed_partitions));
  out += row("watermark version (effective writes)", "1", n(c.watermark_version));
  out += row("watermark last_run_id = run, at run.updated_to", "yes",
             std::string(c.watermark_at_updated_to ? "yes" : "no") + " (" + c.watermark_run + ")");
  out += row("queue messages left / dead letters", "0 / 0", n(c.queue_left) + " / " + n(c.dead_letters));
  return out;
}

Progress ReadProgress(pg::Connection& conn, const std::string& run_id) {
  Progress p;
  auto r = conn.Exec(
      "SELECT (SELECT coalesce(sum(pages_fetched), 0) FROM partition_progress WHERE run_id = $1),"
      " (SELECT count(*) FROM raw_diamonds_nivoda WHERE run_id = $1),"
      " (SELECT count(*) FROM diamonds),"
      " (SELECT count(*) FROM partition_runs WHERE run_id = $1 AND status = 'completed'),"
      " (SELECT status FROM run_metadata WHERE run_id = $1)",
      {pg::P(run_id)});
  if (!r.ok() || r->rows() != 1) return p;
  p.pages = r->GetInt64(0, 0);
  p.raw_rows = r->GetInt64(0, 1);
  p.consolidated = r->GetInt64(0, 2);
  p.completed_partitions = r->GetInt64(0, 3);
  p.run_status = r->IsNull(0, 4) ? "" : r->GetString(0, 4);
  return p;
}

std::string Secs(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", seconds);
  return buf;
}

}  // namespace di::testing::reliability
