#include "schedule_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace di::testing {

std::map<std::string, std::string> ScheduleEnvironment(const std::string& database_url, const std::string& endpoint) {
  return {
      {"DATABASE_URL", database_url},
      {"NIVODA_ENDPOINT", endpoint},
      {"NIVODA_USERNAME", SimProcess::kUsername},
      {"NIVODA_PASSWORD", SimProcess::kPassword},
      {"NIVODA_RATE_LIMIT", "1000"},
      {"NIVODA_TIMEOUT_SECONDS", "10"},
      {"RETRY_ATTEMPTS", "2"},
      {"RETRY_BASE_MS", "10"},
      {"RETRY_CAP_MS", "50"},
      {"LOG_FORMAT", "json"},
      {"LOG_LEVEL", "info"},
  };
}

std::unique_ptr<Scheduler> MakeTestScheduler(const std::string& database_url, const std::string& endpoint,
                                             const std::map<std::string, std::string>& extra,
                                             std::unique_ptr<Components>* components) {
  auto env = ScheduleEnvironment(database_url, endpoint);
  for (const auto& [k, v] : extra) env[k] = v;
  const Config config = LoadTestConfig(env);
  auto built = BuildComponents(config, ComponentNeeds{});
  EXPECT_TRUE(built.ok()) << built.status().ToString();
  if (!built.ok()) return nullptr;
  *components = std::make_unique<Components>(std::move(*built));
  SchedulerDeps deps{(*components)->database_url, (*components)->queue.get(), (*components)->watermark.get(),
                     (*components)->client.get(), nullptr};
  return std::make_unique<Scheduler>(SchedulerSettingsFrom(config), deps);
}

Config LoadTestConfig(const std::map<std::string, std::string>& env) {
  ConfigSources sources;
  sources.environment = env;
  sources.read_default_env_file = false;
  Result<Config> config = LoadConfig(sources);
  if (!config.ok()) {
    std::fprintf(stderr, "bad test configuration: %s\n", config.status().ToString().c_str());
    std::abort();
  }
  return *config;
}

std::vector<PartitionRow> ReadPartitions(pg::Connection& conn, const std::string& run_id) {
  auto r = conn.Exec(
      "SELECT partition_id, price_min, price_max, expected_records FROM partition_progress"
      " WHERE run_id = $1 ORDER BY partition_id",
      {pg::P(run_id)});
  std::vector<PartitionRow> rows;
  if (!r.ok()) return rows;
  for (int i = 0; i < r->rows(); ++i) {
    rows.push_back(
        {static_cast<int>(r->GetInt64(i, 0)), r->GetInt64(i, 1), r->GetOptionalInt64(i, 2), r->GetInt64(i, 3)});
  }
  return rows;
}

int64_t CountRows(pg::Connection& conn, const std::string& table) {
  auto r = conn.Exec("SELECT count(*) FROM " + table);
  return r.ok() ? r->GetInt64(0, 0) : -1;
}

std::vector<int> PartitionsHolding(const std::vector<PartitionRow>& ranges, int64_t price_cents) {
  std::vector<int> ids;
  for (const auto& p : ranges) {
    const bool above_min = price_cents >= p.price_min * 100;
    const bool below_max = !p.price_max || price_cents <= *p.price_max * 100;
    if (above_min && below_max) ids.push_back(p.partition_id);
  }
  return ids;
}

IngestProcess IngestProcess::Start(const std::vector<std::string>& args,
                                   const std::map<std::string, std::string>& env) {
  IngestProcess p;
  char pattern[] = "/tmp/di-schedule-XXXXXX";
  const char* dir = mkdtemp(pattern);
  if (dir == nullptr) std::abort();
  p.dir_ = dir;
  const char* bin_dir = std::getenv("DI_BIN_DIR");
  const std::string binary = std::string(bin_dir != nullptr ? bin_dir : ".") + "/diamond-ingest";
  std::vector<std::string> argv_s{binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env_s;
  for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
  env_s.push_back("DI_DATA_DIR=" + p.dir_ + "/data");
  const std::string out_path = p.dir_ + "/stdout", err_path = p.dir_ + "/stderr";

  p.pid_ = fork();
  if (p.pid_ == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0 || chdir(p.dir_.c_str()) != 0) _exit(127);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    std::vector<char*> argv, envp;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  return p;
}

IngestProcess::IngestProcess(IngestProcess&& other) noexcept
    : pid_(other.pid_), dir_(std::move(other.dir_)), exit_code_(other.exit_code_), waited_(other.waited_) {
  other.pid_ = -1;
  other.dir_.clear();
}

IngestProcess::~IngestProcess() {
  if (pid_ > 0 && !waited_) {
    kill(pid_, SIGKILL);
    Wait();
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

int IngestProcess::Wait() {
  if (waited_ || pid_ <= 0) return exit_code_;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  waited_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return exit_code_;
}

namespace {
std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

std::string IngestProcess::out() const { return ReadFile(dir_ + "/stdout"); }
std::string IngestProcess::err() const { return ReadFile(dir_ + "/stderr"); }

std::vector<std::string> PlainLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.front() != '{') lines.push_back(line);
  }
  return lines;
}

}  // namespace di::testing
