#include "servicebus.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "config/connection_strings.h"
#include "http/curl_transport.h"

namespace di::testing {
namespace {

std::string ServersDir() {
  const char* dir = std::getenv("DI_TEST_SERVERS_DIR");
  return dir ? std::string(dir) + "/servicebus" : "";
}

int ReadPort(const std::string& file) {
  int port = 0;
  std::ifstream(file) >> port;
  return port;
}

http::CurlTransport& Admin() {
  static http::CurlTransport transport;
  return transport;
}

}  // namespace

ServiceBusSim ServiceBusSim::Fixture() {
  ServiceBusSim s;
  const std::string dir = ServersDir();
  if (dir.empty()) return s;
  s.amqp_port_ = ReadPort(dir + "/port");
  s.amqps_port_ = ReadPort(dir + "/amqps_port");
  s.https_port_ = ReadPort(dir + "/https_port");
  s.http_port_ = ReadPort(dir + "/http_port");
  s.cert_file_ = dir + "/cert.pem";
  return s;
}

std::string ServiceBusSim::NodePath() {
  std::string path;
  std::ifstream(ServersDir() + "/node_path") >> path;
  if (path.empty()) {
    const char* src = std::getenv("DI_SOURCE_DIR");
    path = std::string(src ? src : ".") + "/.deps/servicebus-npm/node_modules";
  }
  return path;
}

Result<std::unique_ptr<ServiceBusSim>> ServiceBusSim::StartPrivate(const std::vector<std::string>& flags) {
  const char* src = std::getenv("DI_SOURCE_DIR");
  if (!src) return Status(Code::kInvalidArgument, "DI_SOURCE_DIR is not set");
  std::vector<std::string> argv = {"/usr/bin/env",
                                   "node",
                                   std::string(src) + "/servicebus-sim/main.js",
                                   "--port",
                                   "0",
                                   "--http-port",
                                   "0",
                                   "--key-name",
                                   kKeyName,
                                   "--key",
                                   kKey,
                                   "--log-level",
                                   "warn"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "NODE_PATH=" + NodePath()};
  std::vector<char*> args, envp;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  int out[2];
  if (pipe(out) != 0) return Status(Code::kInternal, "pipe failed");
  pid_t pid = fork();
  if (pid < 0) return Status(Code::kInternal, "fork failed");
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(out[1], 1);
    dup2(null, 2);
    close(out[0]);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  std::unique_ptr<ServiceBusSim> s(new ServiceBusSim());
  s->pid_ = pid;
  std::string line;
  char c;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  while (std::chrono::steady_clock::now() < deadline) {
    ssize_t n = read(out[0], &c, 1);
    if (n == 1) {
      if (c == '\n') break;
      line += c;
    } else if (n == 0) {
      break;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  close(out[0]);
  std::smatch m;
  if (!std::regex_search(line, m, std::regex(R"(^listening on 127\.0\.0\.1:(\d+) .*http=127\.0\.0\.1:(\d+))"))) {
    return Status(Code::kUnavailable, "servicebus-sim did not start: '" + line + "'");
  }
  s->amqp_port_ = std::stoi(m[1]);
  s->http_port_ = std::stoi(m[2]);
  return s;
}

ServiceBusSim::ServiceBusSim(ServiceBusSim&& o) noexcept
    : pid_(o.pid_),
      amqp_port_(o.amqp_port_),
      amqps_port_(o.amqps_port_),
      https_port_(o.https_port_),
      http_port_(o.http_port_),
      cert_file_(std::move(o.cert_file_)) {
  o.pid_ = -1;
}

ServiceBusSim::~ServiceBusSim() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (waitpid(pid_, &status, WNOHANG) == 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
}

std::string ServiceBusSim::ConnectionString() const {
  return "Endpoint=sb://127.0.0.1:" + std::to_string(amqp_port_) + "/;SharedAccessKeyName=" + kKeyName +
         ";SharedAccessKey=" + kKey + ";UseDevelopmentEmulator=true";
}

queue::ServiceBusQueueOptions ServiceBusSim::QueueOptions() const {
  auto cs = ParseServiceBusConnectionString(ConnectionString());
  queue::ServiceBusQueueOptions o = queue::ServiceBusOptionsFrom(*cs);
  o.amqp.reconnect_min = Millis(100);
  o.amqp.reconnect_max = Millis(1000);
  o.send_timeout = Millis(10000);
  o.relay.poll = Millis(200);
  o.relay.retry_backoff = Millis(100);
  o.runtime.base_url = "http://127.0.0.1:" + std::to_string(http_port_);
  return o;
}

Result<nlohmann::json> ServiceBusSim::Call(const std::string& method, const std::string& path_and_query) {
  http::HttpRequest request;
  request.method = method;
  request.url = "http://127.0.0.1:" + std::to_string(http_port_) + path_and_query;
  request.timeout = Millis(10000);
  DI_ASSIGN_OR_RETURN(http::HttpResponse r, Admin().Send(request));
  if (r.status < 200 || r.status >= 300) {
    return Status(Code::kUnavailable,
                  method + " " + path_and_query + ": HTTP " + std::to_string(r.status) + " " + r.body);
  }
  try {
    return nlohmann::json::parse(r.body);
  } catch (const std::exception& e) {
    return Status(Code::kCorrupt, std::string("admin answer is not JSON: ") + e.what());
  }
}

Status ServiceBusSim::CreateQueue(const std::string& name, int lock_seconds, int max_deliveries, int dup_seconds,
                                  double idle_seconds) {
  std::string q = "/admin/queues?name=" + name;
  if (lock_seconds > 0) q += "&lock=" + std::to_string(lock_seconds);
  if (max_deliveries > 0) q += "&maxdc=" + std::to_string(max_deliveries);
  if (dup_seconds > 0) q += "&dup=" + std::to_string(dup_seconds);
  if (idle_seconds > 0) q += "&idle=" + std::to_string(idle_seconds);
  return Call("POST", q).status();
}

Result<nlohmann::json> ServiceBusSim::State() { return Call("GET", "/admin/state"); }

Result<nlohmann::json> ServiceBusSim::QueueCounters(const std::string& queue) {
  DI_ASSIGN_OR_RETURN(nlohmann::json state, State());
  if (!state["queues"].contains(queue)) return Status(Code::kNotFound, "no queue " + queue);
  return state["queues"][queue]["counters"];
}

Result<nlohmann::json> ServiceBusSim::Messages(const std::string& queue) {
  return Call("GET", "/admin/messages?queue=" + queue);
}

Result<nlohmann::json> ServiceBusSim::DeadLetters(const std::string& queue) {
  return Call("GET", "/admin/deadletters?queue=" + queue);
}

Status ServiceBusSim::DropConnections(bool close) {
  return Call("POST", std::string("/admin/drop-connections") + (close ? "?mode=close" : "")).status();
}

Result<int> ServiceBusSim::Detach(const std::string& kind, const std::string& queue) {
  std::string q = "/admin/detach?x=1";
  if (!kind.empty()) q += "&kind=" + kind;
  if (!queue.empty()) q += "&queue=" + queue;
  DI_ASSIGN_OR_RETURN(nlohmann::json r, Call("POST", q));
  return r.value("detached", 0);
}

Status ServiceBusSim::SetIdleTimeout(double seconds, const std::string& queue) {
  std::string q = "/admin/idle-timeout?seconds=" + std::to_string(seconds);
  if (!queue.empty()) q += "&queue=" + queue;
  return Call("POST", q).status();
}

Status ServiceBusSim::FailPutTokens(int count, int status) {
  return Call("POST", "/admin/fail-put-token?count=" + std::to_string(count) + "&status=" + std::to_string(status))
      .status();
}

std::string UniqueServiceBusQueue() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  static const char* kDigits = "0123456789abcdef";
  std::string name = "sbq-";
  for (int i = 0; i < 12; ++i) name += kDigits[rng() % 16];
  return name;
}

}  // namespace di::testing
