#include "pipeline_fixture.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "cloud/db_watermark_store.h"
#include "http/curl_transport.h"
#include "queue/postgres_queue.h"
#include "ratelimit/account_rate_limiter.h"
#include "roles/consolidator.h"

namespace di::testing {

void RecordingAlerts::Send(const cloud::Alert& alert) {
  std::lock_guard<std::mutex> lock(mu_);
  alerts_.push_back(alert);
  ++sent_;
}

std::vector<cloud::Alert> RecordingAlerts::alerts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return alerts_;
}

bool RecordingAlerts::Has(const std::string& kind) const {
  for (const auto& a : alerts()) {
    if (a.kind == kind) return true;
  }
  return false;
}

Pipeline::Pipeline(std::vector<std::string> sim_flags) : db(TestDatabase::Create()) {
  auto started = SimProcess::Start(std::move(sim_flags));
  if (!started.ok()) ADD_FAILURE() << started.status().ToString();
  sim = std::move(started).value();
  components.database_url = db.url();
  components.pool = std::make_shared<pg::Pool>(db.url(), 24);
  queue::QueueOptions qo;
  qo.lease_seconds = 5;
  qo.max_deliveries = 10;
  components.queue = std::make_shared<queue::PostgresQueue>(components.pool, qo);
  components.watermark = std::make_shared<cloud::DbWatermarkStore>(components.pool, "natural");
  alerts = std::make_shared<RecordingAlerts>();
  components.alerts = alerts;
  nivoda::ClientOptions co;
  co.endpoint = sim->endpoint();
  co.username = SimProcess::kUsername;
  co.password = SimProcess::kPassword;
  co.timeout = Millis(10000);
  co.retry.max_attempts = 3;
  co.retry.base_delay = Millis(20);
  co.retry.max_delay = Millis(200);
  auto client = nivoda::NivodaClient::Create(co);
  if (!client.ok()) ADD_FAILURE() << client.status().ToString();
  components.client = std::move(client).value();
}

Pipeline::~Pipeline() {
  if (sim) (void)sim->Stop();
}

std::string Pipeline::Consolidate(const std::string& run, Millis timeout) {
  ConsolidatorDeps deps;
  deps.pool = components.pool;
  deps.queue = components.queue;
  deps.alerts = alerts;
  auto watermark = components.watermark;
  deps.watermark_for = [watermark](const std::string&) { return watermark; };
  ConsolidatorOptions options;
  options.poll = Millis(500);
  options.not_ready_delay = Millis(1000);
  options.retry_delay = Millis(1000);
  Consolidator consolidator(deps, options);
  std::atomic<bool> stop{false};
  int64_t deadline = DefaultClock().MonotonicMs() + timeout.count();
  while (DefaultClock().MonotonicMs() < deadline && RunStatus(run) != "completed") {
    auto m = components.queue->Receive(queue::kConsolidate, Millis(500));
    if (!m.ok() || !m->has_value()) continue;
    consolidator.Handle(**m, stop);
  }
  return RunStatus(run);
}

std::string Pipeline::ScheduleIncremental() {
  SchedulerDeps deps;
  deps.database_url = db.url();
  deps.queue = components.queue.get();
  deps.watermark = components.watermark.get();
  deps.client = components.client.get();
  Scheduler scheduler(SchedulerSettings{}, deps);
  auto r = scheduler.Run(ScheduleRequest{});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok()) {
    EXPECT_TRUE(r->incremental) << "a watermark exists: the run is incremental";
  }
  return r.ok() ? r->run_id : "";
}

std::string Pipeline::ScheduleFull(int max_partitions, std::optional<int64_t> min_records_per_partition, bool overlap,
                                   ScheduleResult* result, Feed feed) {
  SchedulerSettings settings;
  settings.feed = feed;
  settings.overlap = overlap;
  settings.full_plan.max_partitions = max_partitions;
  if (min_records_per_partition) settings.full_plan.min_records_per_partition = *min_records_per_partition;
  SchedulerDeps deps;
  deps.database_url = db.url();
  deps.queue = components.queue.get();
  deps.watermark = components.watermark.get();
  deps.client = components.client.get();
  Scheduler scheduler(settings, deps);
  ScheduleRequest request;
  request.full = true;
  auto r = scheduler.Run(request);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok() && result != nullptr) *result = *r;
  return r.ok() ? r->run_id : "";
}

std::shared_ptr<ratelimit::AccountRateLimiter> Pipeline::UseAccountLimiter(double requests_per_second) {
  ratelimit::AccountRateLimiterOptions lo;
  lo.account = "bench";
  lo.requests_per_second = requests_per_second;
  auto limiter = std::make_shared<ratelimit::AccountRateLimiter>(components.pool, lo);
  nivoda::ClientOptions co;
  co.endpoint = sim->endpoint();
  co.username = SimProcess::kUsername;
  co.password = SimProcess::kPassword;
  co.limiter = limiter;
  components.client = std::move(nivoda::NivodaClient::Create(co)).value();
  components.limiter = limiter;
  return limiter;
}

WorkerOptions Pipeline::FastWorkerOptions() const {
  WorkerOptions o;
  o.worker_id = "test-worker";
  o.partitions = 4;
  o.requests_in_flight = 16;
  o.lease = Millis(5000);
  o.retry_delay = Millis(100);
  o.max_deliveries = 10;
  o.poll = Millis(200);
  o.catch_up_margin = Millis(1000);
  o.completion.consolidation_delay = Millis(2000);
  return o;
}

int64_t Pipeline::Pending(const std::string& queue) {
  auto d = components.queue->GetDepth(queue);
  return d.ok() ? d->ready + d->scheduled + d->leased + d->ready_or_leased : -1;
}

std::string Pipeline::RunStatus(const std::string& run_id) {
  auto conn = db.Connect();
  auto r = conn->Exec("SELECT status FROM run_metadata WHERE run_id = $1", {pg::P(run_id)});
  return r.ok() && r->rows() == 1 ? r->GetString(0, 0) : "";
}

bool Pipeline::WorkUntilConsolidation(const std::string& run_id, Millis timeout, const WorkerOptions& options,
                                      int consolidations) {
  std::atomic<bool> stop{false};
  Worker worker(components, options);
  std::thread runner([&] { worker.Run(stop); });
  int64_t deadline = DefaultClock().MonotonicMs() + timeout.count();
  bool consolidating = false;
  while (DefaultClock().MonotonicMs() < deadline) {
    if (Pending(queue::kConsolidate) >= consolidations) {
      consolidating = true;
      break;
    }
    if (RunStatus(run_id) == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  runner.join();
  return consolidating;
}

pid_t Pipeline::StartWorkerProcess(const std::vector<std::string>& extra_env, bool exit_when_idle) {
  std::vector<std::string> args = {DiamondIngestBin(), "work"};
  if (exit_when_idle) args.push_back("--exit-when-idle");
  return SpawnProcess(args, ProcessEnv(db.url(), sim->endpoint(), extra_env), /*log_path=*/"");
}

std::map<std::string, std::string> Pipeline::RawOfRun(const std::string& run_id) {
  auto conn = db.Connect();
  auto r =
      conn->Exec("SELECT supplier_stone_id, payload_hash FROM raw_diamonds_nivoda WHERE run_id = $1", {pg::P(run_id)});
  std::map<std::string, std::string> out;
  for (int i = 0; r.ok() && i < r->rows(); ++i) out[r->GetString(i, 0)] = r->GetString(i, 1);
  return out;
}

std::map<std::string, std::string> Pipeline::SimTruth() {
  std::map<std::string, std::string> out;
  auto dump = sim->Dump("natural");
  EXPECT_TRUE(dump.ok()) << dump.status().ToString();
  if (dump.ok()) {
    for (const auto& row : *dump) out[row.stone_id] = row.payload_sha256;
  }
  return out;
}

std::string DescribeDifference(const std::map<std::string, std::string>& a,
                               const std::map<std::string, std::string>& b) {
  std::string out;
  int n = 0;
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end() || it->second != v) {
      if (n < 5) out += (n ? ", " : "") + k + (it == b.end() ? " (missing)" : " (differs)");
      ++n;
    }
  }
  if (n > 5) out += " (" + std::to_string(n - 5) + " more)";
  return out;
}

std::string DiamondIngestBin() {
  const char* bin_dir = std::getenv("DI_BIN_DIR");
  return std::string(bin_dir ? bin_dir : ".") + "/diamond-ingest";
}

std::vector<std::string> ProcessEnv(const std::string& database_url, const std::string& endpoint,
                                    const std::vector<std::string>& overrides) {
  std::vector<std::string> env = {"DATABASE_URL=" + database_url,
                                  "NIVODA_ENDPOINT=" + endpoint,
                                  std::string("NIVODA_USERNAME=") + SimProcess::kUsername,
                                  std::string("NIVODA_PASSWORD=") + SimProcess::kPassword,
                                  "LOG_LEVEL=warn",
                                  "LOG_FORMAT=json",
                                  "METRICS_ADDR=127.0.0.1:0",
                                  "PATH=/usr/bin:/bin"};
  for (const auto& o : overrides) {
    std::string name = o.substr(0, o.find('=') + 1);  // "NAME="
    auto same = std::find_if(env.begin(), env.end(), [&](const std::string& e) { return e.rfind(name, 0) == 0; });
    if (same != env.end()) {
      *same = o;
    } else {
      env.push_back(o);
    }
  }
  return env;
}

pid_t SpawnProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                   const std::string& log_path, LogMode mode) {
  // Everything the child needs is built before fork: it only calls async-signal-safe functions.
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const int flags = O_WRONLY | O_CREAT | (mode == LogMode::kAppend ? O_APPEND : O_TRUNC);
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    if (!log_path.empty()) {
      int fd = open(log_path.c_str(), flags, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
      }
    }
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  return pid;
}

int StopProcess(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return -1;
  kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  pid_t r = 0;
  while ((r = waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (r == 0) {
    kill(pid, SIGKILL);
    while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
    }
    return -1;
  }
  return r == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace di::testing
