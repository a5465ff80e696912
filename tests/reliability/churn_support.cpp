#include "churn_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "app/consolidator.h"
#include "queue/messages.h"

namespace di::testing {

bool SoakMode() {
  const char* v = getenv("DI_SOAK");
  return v != nullptr && std::string(v) == "1";
}

int64_t QueryInt(Pipeline& p, const std::string& sql, const std::vector<std::string>& args) {
  auto conn = p.db.Connect();
  pg::Params params;
  for (const auto& a : args) params.push_back(pg::P(a));
  auto r = conn->Exec(sql, params);
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  return r.ok() && r->rows() >= 1 && !r->IsNull(0, 0) ? r->GetInt64(0, 0) : -1;
}

std::set<std::string> QuerySet(Pipeline& p, const std::string& sql, const std::vector<std::string>& args) {
  auto conn = p.db.Connect();
  pg::Params params;
  for (const auto& a : args) params.push_back(pg::P(a));
  auto r = conn->Exec(sql, params);
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  std::set<std::string> out;
  for (int i = 0; r.ok() && i < r->rows(); ++i) out.insert(r->GetString(i, 0));
  return out;
}

void UseSturdyClient(Pipeline& p, int attempts, Millis timeout) {
  nivoda::ClientOptions co;
  co.endpoint = p.sim->endpoint();
  co.username = SimProcess::kUsername;
  co.password = SimProcess::kPassword;
  co.timeout = timeout;
  co.retry.max_attempts = attempts;
  co.retry.base_delay = Millis(50);
  co.retry.max_delay = Millis(1000);
  auto client = nivoda::NivodaClient::Create(co);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  p.components.client = std::move(client).value();
}

std::string ScheduleFullRun(Pipeline& p, int max_partitions, int64_t min_records) {
  SchedulerSettings settings;
  settings.full_plan.max_partitions = max_partitions;
  settings.full_plan.min_records_per_partition = min_records;
  SchedulerDeps deps;
  deps.database_url = p.db.url();
  deps.queue = p.components.queue.get();
  deps.watermark = p.components.watermark.get();
  deps.client = p.components.client.get();
  Scheduler scheduler(settings, deps);
  ScheduleRequest request;
  request.full = true;
  auto r = scheduler.Run(request);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->run_id : "";
}

WorkerProcess::WorkerProcess(Pipeline& p, const std::vector<std::string>& env, std::string log_path)
    : log_path_(std::move(log_path)) {
  std::string bin = std::string(getenv("DI_BIN_DIR")) + "/diamond-ingest";
  std::map<std::string, std::string> vars = {
      {"DATABASE_URL", p.db.url()},       {"NIVODA_ENDPOINT", p.sim->endpoint()},
      {"NIVODA_USERNAME", SimProcess::kUsername}, {"NIVODA_PASSWORD", SimProcess::kPassword},
      {"LOG_LEVEL", "info"},              {"LOG_FORMAT", "json"},
      {"METRICS_ADDR", "127.0.0.1:0"},    {"PATH", "/usr/bin:/bin"}};
  for (const auto& e : env) {
    auto eq = e.find('=');
    vars[e.substr(0, eq)] = eq == std::string::npos ? "" : e.substr(eq + 1);
  }
  std::vector<std::string> envs;
  for (const auto& [k, v] : vars) envs.push_back(k + "=" + v);
  std::vector<std::string> args = {bin, "work"};
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    std::vector<char*> envp, argv;
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execve(bin.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  EXPECT_GT(pid_, 0) << "fork failed";
}

int WorkerProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 300; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

WorkerProcess::~WorkerProcess() { Stop(); }

std::string MakeLogDir(const std::string& prefix) {
  std::string templ = "/tmp/" + prefix + "-XXXXXX";
  char* dir = mkdtemp(templ.data());
  EXPECT_NE(dir, nullptr);
  return dir ? std::string(dir) : "/tmp";
}

bool WaitForConsolidationMessage(Pipeline& p, const std::string& run, Millis timeout) {
  int64_t deadline = DefaultClock().MonotonicMs() + timeout.count();
  while (DefaultClock().MonotonicMs() < deadline) {
    if (p.Pending(queue::kConsolidate) > 0) return true;
    if (p.RunStatus(run) == "failed") return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

std::string ConsolidateQueued(Pipeline& p, const std::string& run, Millis timeout) {
  ConsolidatorDeps deps;
  deps.pool = p.components.pool;
  deps.queue = p.components.queue;
  deps.alerts = p.alerts;
  auto watermark = p.components.watermark;
  deps.watermark_for = [watermark](const std::string&) { return watermark; };
  ConsolidatorOptions options;
  options.poll = Millis(500);
  options.not_ready_delay = Millis(1000);
  options.retry_delay = Millis(1000);
  Consolidator consolidator(deps, options);
  std::atomic<bool> stop{false};
  int64_t deadline = DefaultClock().MonotonicMs() + timeout.count();
  while (DefaultClock().MonotonicMs() < deadline && p.RunStatus(run) != "completed") {
    auto m = p.components.queue->Receive(queue::kConsolidate, Millis(500));
    if (!m.ok() || !m->has_value()) continue;
    consolidator.Handle(**m, stop);
  }
  return p.RunStatus(run);
}

FetchRounds ReadFetchRounds(const std::vector<std::string>& log_paths, const std::string& run) {
  FetchRounds out;
  int64_t total = 0;
  for (const auto& path : log_paths) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("partition fetched") == std::string::npos) continue;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || j.value("run_id", "") != run || !j.contains("rounds")) continue;
      int rounds = j["rounds"].get<int>();
      ++out.partitions;
      total += rounds;
      out.max_rounds = std::max(out.max_rounds, rounds);
      ++out.histogram[rounds];
      out.refetched_cells += j.value("refetched_cells", int64_t{0});
      out.catch_up_offers += j.value("catch_up_offers", int64_t{0});
      if (j.value("partition_id", 0) == queue::kSweepPartition) out.sweep_rounds = rounds;
    }
  }
  out.mean_rounds = out.partitions ? static_cast<double>(total) / out.partitions : 0;
  return out;
}

std::string Describe(const FetchRounds& r) {
  std::ostringstream s;
  s << r.partitions << " partition fetches (sweep included), verification rounds mean " << r.mean_rounds << " max "
    << r.max_rounds << " sweep " << r.sweep_rounds << "; histogram {";
  bool first = true;
  for (const auto& [rounds, n] : r.histogram) {
    s << (first ? "" : ", ") << rounds << ": " << n;
    first = false;
  }
  s << "}; re-fetched cells " << r.refetched_cells << ", catch-up offers " << r.catch_up_offers;
  return s.str();
}

std::map<std::string, int64_t> RetriesByCode(const std::vector<std::string>& log_paths) {
  std::map<std::string, int64_t> out;
  for (const auto& path : log_paths) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("nivoda call failed, retrying") == std::string::npos) continue;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded()) ++out[j.value("code", "?")];
    }
  }
  return out;
}

std::string Describe(const std::map<std::string, int64_t>& counts) {
  std::ostringstream s;
  s << "{";
  bool first = true;
  for (const auto& [k, n] : counts) {
    s << (first ? "" : ", ") << k << ": " << n;
    first = false;
  }
  s << "}";
  return s.str();
}

std::string DescribeFaults(const SimCounters& c) {
  std::ostringstream s;
  s << "requests " << c.requests << ", 429 sent " << c.rate_limited << ", peak req/s " << c.peak_requests_per_second
    << ", faults injected " << c.errors_injected << " {";
  bool first = true;
  for (const auto& [kind, n] : c.errors_injected_by_kind) {
    s << (first ? "" : ", ") << kind << ": " << n;
    first = false;
  }
  s << "}, tokens issued " << c.tokens_issued;
  return s.str();
}

std::set<std::string> StoneIds(const std::vector<SimDumpRow>& dump) {
  std::set<std::string> out;
  for (const auto& row : dump) out.insert(row.stone_id);
  return out;
}

}  // namespace di::testing
