#include "sim_process.h"

#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace di::testing {
namespace {

std::string SimBinary() {
  const char* dir = std::getenv("DI_BIN_DIR");
  if (dir != nullptr && *dir != '\0') return std::string(dir) + "/nivoda-sim";
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / "nivoda-sim").string();
}

int64_t Int(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::map<std::string, int64_t> IntMap(const nlohmann::json& j, const char* key) {
  std::map<std::string, int64_t> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return out;
  for (const auto& [k, v] : it->items()) out[k] = v.is_number_integer() ? v.get<int64_t>() : 0;
  return out;
}

Result<SimHttpReply> ToReply(const httplib::Result& r, const std::string& what) {
  if (!r) return Status(Code::kUnavailable, what + ": " + httplib::to_string(r.error()));
  SimHttpReply reply;
  reply.status = r->status;
  reply.body = r->body;
  for (const auto& [k, v] : r->headers) reply.headers.emplace(k, v);
  return reply;
}

Result<nlohmann::json> AdminJson(const Result<SimHttpReply>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) {
    return Status(Code::kInternal, "admin call: HTTP " + std::to_string(reply->status) + ": " + reply->body);
  }
  auto j = nlohmann::json::parse(reply->body, nullptr, false);
  if (j.is_discarded()) return Status(Code::kCorrupt, "admin call: not JSON: " + reply->body);
  return j;
}

}  // namespace

std::string JsonQuote(const std::string& text) { return nlohmann::json(text).dump(); }

SimProcess::SimProcess(pid_t pid, int port)
    : pid_(pid), port_(port), endpoint_("http://127.0.0.1:" + std::to_string(port) + "/api/diamonds") {}

SimProcess::~SimProcess() {
  (void)Stop();  // the process is gone either way (killed after 10 s); a destructor cannot report it
}

Result<std::unique_ptr<SimProcess>> SimProcess::Start(std::vector<std::string> flags) {
  std::string binary = SimBinary();
  if (access(binary.c_str(), X_OK) != 0) return Status(Code::kNotFound, "nivoda-sim not found at " + binary);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status(Code::kInternal, "pipe failed");
  std::vector<std::string> args = {binary, "--port", "0"};
  args.insert(args.end(), flags.begin(), flags.end());
  pid_t pid = fork();
  if (pid < 0) return Status(Code::kInternal, "fork failed");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the test
    dup2(fds[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  auto proc = std::unique_ptr<SimProcess>(new SimProcess(pid, 0));
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (line.find('\n') == std::string::npos) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    pollfd pfd{fds[0], POLLIN, 0};
    if (left <= 0 || poll(&pfd, 1, left) <= 0) {
      close(fds[0]);
      return Status(Code::kUnavailable, "nivoda-sim did not print its port within 60 s");
    }
    char buf[256];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) {
      close(fds[0]);
      int wstatus = 0;
      waitpid(pid, &wstatus, 0);
      proc->pid_ = -1;
      return Status(Code::kUnavailable, "nivoda-sim exited before listening (status " + std::to_string(wstatus) + ")");
    }
    line.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  auto colon = line.rfind(':', line.find('\n'));
  if (line.rfind("listening on ", 0) != 0 || colon == std::string::npos) {
    return Status(Code::kCorrupt, "unexpected first line from nivoda-sim: " + line);
  }
  int port = std::atoi(line.c_str() + colon + 1);
  proc->port_ = port;
  proc->endpoint_ = "http://127.0.0.1:" + std::to_string(port) + "/api/diamonds";
  return proc;
}

Status SimProcess::Stop() {
  if (pid_ <= 0) return Status::Ok();
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int wstatus = 0;
  while (waitpid(pid_, &wstatus, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &wstatus, 0);
      pid_ = -1;
      return Status(Code::kInternal, "nivoda-sim ignored SIGTERM for 10 s; killed");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  return Status::Ok();
}

Result<SimHttpReply> SimProcess::Post(const std::string& path, const std::string& body, Millis read_timeout) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(std::chrono::milliseconds(read_timeout.count()));
  return ToReply(client.Post(path.c_str(), body, "application/json"), "POST " + path);
}

Result<SimHttpReply> SimProcess::Get(const std::string& path) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(std::chrono::seconds(120));
  return ToReply(client.Get(path.c_str()), "GET " + path);
}

Result<SimHttpReply> SimProcess::Graphql(const std::string& query, const std::string& variables_json,
                                         Millis read_timeout) const {
  return Post("/api/diamonds", "{\"query\":" + JsonQuote(query) + ",\"variables\":" + variables_json + "}",
              read_timeout);
}

Result<std::string> SimProcess::Token() const {
  auto reply = Graphql("query { authenticate { username_and_password(username: \"" + std::string(kUsername) +
                       "\", password: \"" + kPassword + "\") { token } } }");
  if (!reply.ok()) return reply.status();
  auto j = nlohmann::json::parse(reply->body, nullptr, false);
  try {
    return j.at("data").at("authenticate").at("username_and_password").at("token").get<std::string>();
  } catch (const std::exception&) {
    return Status(Code::kUnauthenticated, "authenticate failed: " + reply->body);
  }
}

Result<std::vector<SimDumpRow>> SimProcess::Dump(const std::string& feed) const {
  auto reply = Get("/admin/dump?feed=" + feed);
  if (!reply.ok()) return reply.status();
  if (reply->status != 200) return Status(Code::kInternal, "dump: HTTP " + std::to_string(reply->status));
  std::vector<SimDumpRow> rows;
  std::istringstream in(reply->body);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream fields(line);
    while (std::getline(fields, part, ',')) parts.push_back(part);
    if (parts.size() != 5)
      return Status(Code::kCorrupt, "dump line with " + std::to_string(parts.size()) + " fields: " + line);
    rows.push_back({parts[0], parts[1], std::stoll(parts[2]), parts[3], parts[4]});
  }
  return rows;
}

Result<SimCounters> SimProcess::Counters() const {
  DI_ASSIGN_OR_RETURN(nlohmann::json j, AdminJson(Get("/admin/counters")));
  SimCounters c;
  c.natural = Int(j["inventory"], "natural");
  c.labgrown = Int(j["inventory"], "labgrown");
  c.churn_paused = j.value("churn_paused", false);
  c.tokens_issued = Int(j, "tokens_issued");
  c.requests = Int(j, "requests");
  c.requests_by_operation = IntMap(j, "requests_by_operation");
  c.in_flight = Int(j, "in_flight");
  c.peak_concurrent = Int(j, "peak_concurrent");
  c.peak_requests_per_second = Int(j, "peak_requests_per_second");
  c.rate_limited = Int(j, "rate_limited");
  c.errors_injected = Int(j, "errors_injected");
  c.errors_injected_by_kind = IntMap(j, "errors_injected_by_kind");
  c.churn_reprice = Int(j["churn"], "reprice");
  c.churn_payload = Int(j["churn"], "payload");
  c.churn_add = Int(j["churn"], "add");
  c.churn_remove = Int(j["churn"], "remove");
  return c;
}

Status SimProcess::ResetCounters() const { return AdminJson(Post("/admin/counters/reset", "")).status(); }
Status SimProcess::PauseChurn() const { return AdminJson(Post("/admin/churn/pause", "")).status(); }
Status SimProcess::ResumeChurn() const { return AdminJson(Post("/admin/churn/resume", "")).status(); }

Result<SimChurn> SimProcess::TriggerChurn(const SimChurn& f) const {
  nlohmann::json body = {{"reprice", f.reprice}, {"payload", f.payload}, {"add", f.add}, {"remove", f.remove}};
  DI_ASSIGN_OR_RETURN(nlohmann::json j, AdminJson(Post("/admin/churn/trigger", body.dump())));
  return SimChurn{static_cast<double>(Int(j, "reprice")), static_cast<double>(Int(j, "payload")),
                  static_cast<double>(Int(j, "add")), static_cast<double>(Int(j, "remove"))};
}

Result<int64_t> SimProcess::RevokeTokens() const {
  DI_ASSIGN_OR_RETURN(nlohmann::json j, AdminJson(Post("/admin/tokens/revoke", "")));
  return Int(j, "revoked");
}

}  // namespace di::testing
