#include "churn_support.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "queue/messages.h"
#include "roles/consolidator.h"

namespace di::testing {

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

WorkerProcess::WorkerProcess(Pipeline& p, const std::vector<std::string>& env, std::string log_path)
    : log_path_(std::move(log_path)) {
  std::vector<std::string> overrides = {"LOG_LEVEL=info"};
  overrides.insert(overrides.end(), env.begin(), env.end());
  pid_ = SpawnProcess({DiamondIngestBin(), "work"}, ProcessEnv(p.db.url(), p.sim->endpoint(), overrides), log_path_);
  EXPECT_GT(pid_, 0) << "fork failed";
}

int WorkerProcess::Stop() {
  int code = StopProcess(pid_, std::chrono::seconds(30));
  pid_ = -1;
  return code;
}

WorkerProcess::~WorkerProcess() { Stop(); }

bool WaitForConsolidationMessage(Pipeline& p, const std::string& run, Millis timeout) {
  int64_t deadline = DefaultClock().MonotonicMs() + timeout.count();
  while (DefaultClock().MonotonicMs() < deadline) {
    if (p.Pending(queue::kConsolidate) > 0) return true;
    if (p.RunStatus(run) == "failed") return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

std::string DescribeQueueAndSessions(Pipeline& p) {
  auto conn = p.db.Connect();
  std::ostringstream out;
  auto rows = [&](const char* title, const char* sql) {
    auto r = conn->Exec(sql);
    out << title << ":";
    if (!r.ok()) {
      out << " " << r.status().ToString() << "\n";
      return;
    }
    for (int i = 0; i < r->rows(); ++i) {
      out << "\n  ";
      for (int c = 0; c < r->columns(); ++c) out << (c ? " | " : "") << (r->IsNull(i, c) ? "null" : r->GetString(i, c));
    }
    out << "\n";
  };
  rows("queued messages (id, queue, deliveries, visible in s, leased)",
       "SELECT id, queue, delivery_count, round(extract(epoch FROM visible_at - now())::numeric, 1),"
       " lease_token IS NOT NULL FROM queue_messages ORDER BY id");
  rows("sessions (pid, application_name, backend_start, state, query)",
       "SELECT pid, application_name, backend_start, state, left(query, 60) FROM pg_stat_activity"
       " WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY application_name");
  return out.str();
}

FetchRounds ReadFetchRounds(const std::vector<std::string>& log_paths, const std::string& run) {
  FetchRounds out;
  for (const auto& path : log_paths) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("partition fetched") == std::string::npos) continue;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || j.value("run_id", "") != run || !j.contains("bridges")) continue;
      ++out.partitions;
      out.pages += j.value("pages", int64_t{0});
      out.bridges += j.value("bridges", int64_t{0});
      out.probes += j.value("probes", int64_t{0});
      out.restarts += j.value("restarts", int64_t{0});
      out.orders.insert(j.value("order", ""));
      if (j.value("partition_id", 0) == queue::kSweepPartition) {
        out.catch_up_pages += j.value("pages", int64_t{0});
        out.catch_up_offers += j.value("offers", int64_t{0});
      }
    }
  }
  return out;
}

std::string Describe(const FetchRounds& r) {
  std::ostringstream s;
  s << r.partitions << " partition fetches (catch-up included): " << r.pages << " pages, " << r.bridges << " bridges, "
    << r.probes << " probe reads, " << r.restarts << " restarts; catch-up " << r.catch_up_pages << " pages, "
    << r.catch_up_offers << " offers; order";
  for (const auto& o : r.orders) s << " '" << o << "'";
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
