#include "sim/simulator.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <string>

#include "sim/connection_reset.h"
#include "sim/parts.h"

namespace di::sim {
namespace {

const char* kJson = "application/json";

void Handle(Simulator::Parts* p, const httplib::Request& req, httplib::Response& res) {
  Clock& clock = DefaultClock();
  p->counters.Arrived(clock.MonotonicMs());
  struct Done {
    Counters* c;
    ~Done() { c->Finished(); }
  } done{&p->counters};

  auto decision = p->limiter->Acquire(clock.MonotonicMs());
  if (!decision.allowed) {
    p->counters.RateLimited();
    res.status = 429;
    res.set_header("Retry-After", std::to_string(std::max<int64_t>(1, (decision.retry_after_ms + 999) / 1000)));
    res.set_content(
        "{\"errors\":[{\"message\":\"Too many requests: account rate limit exceeded\","
        "\"extensions\":{\"code\":\"RATE_LIMITED\"}}]}",
        kJson);
    return;
  }

  Fault fault;
  Rng rng(0);
  {
    std::lock_guard lock(p->rng_mu);
    fault = DrawFault(p->config.faults, p->rng);
    rng = Rng(p->rng.Next());
  }
  if (fault != Fault::kNone) p->counters.Injected(std::string(FaultName(fault)));
  switch (fault) {
    case Fault::kHttp500:
    case Fault::kHttp502:
    case Fault::kHttp503:
      res.status = fault == Fault::kHttp500 ? 500 : fault == Fault::kHttp502 ? 502 : 503;
      res.set_content("<html><body>" + std::to_string(res.status) + " (injected by nivoda-sim)</body></html>",
                      "text/html");
      return;
    case Fault::kHang:
      p->SleepMs(p->config.faults.hang_ms);
      res.status = 504;
      res.set_content("<html><body>504 Gateway Time-out (injected by nivoda-sim)</body></html>", "text/html");
      return;
    case Fault::kReset:
      ResetConnection(req.local_port, req.remote_port);
      res.status = 500;  // never delivered: the connection is gone
      return;
    case Fault::kGraphqlError:
      p->SleepMs(p->config.latency.DelayMs(0, rng));
      res.set_content(
          "{\"errors\":[{\"message\":\"Internal server error: upstream service unavailable (injected)\","
          "\"extensions\":{\"code\":\"INTERNAL_SERVER_ERROR\"}}],\"data\":null}",
          kJson);
      return;
    default:
      break;
  }

  Execution exec = p->executor->Execute(req.body);
  p->SleepMs(p->config.latency.DelayMs(exec.deepest_offset, rng));
  res.status = exec.http_status;
  if (fault == Fault::kMalformed) {
    // Cut the document short (inside a string when possible): not valid JSON.
    exec.body.resize(std::max<size_t>(1, exec.body.size() / 2));
    exec.body.append("\"\xe2\x80");
  }
  res.set_content(std::move(exec.body), kJson);
}

}  // namespace

bool Simulator::Parts::SleepMs(int64_t ms) {
  if (ms <= 0) return true;
  std::unique_lock lock(sleep_mu);
  return !sleep_cv.wait_for(lock, std::chrono::milliseconds(ms), [this] { return shutting_down; });
}

Simulator::Simulator(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Simulator::~Simulator() {
  Shutdown();
  if (parts_->churn) parts_->churn->Stop();
}

Result<std::unique_ptr<Simulator>> Simulator::Create(const SimConfig& config) {
  auto parts = std::make_unique<Parts>();
  parts->config = config;
  DI_ASSIGN_OR_RETURN(Density density, LoadDensity(config.density_path));
  std::string as_of = config.as_of.empty() ? density.timestamp : config.as_of;
  WallTime as_of_time;
  if (!ParseIso8601(as_of, &as_of_time)) {
    return Status(Code::kInvalidArgument, "--as-of (or the density file's timestamp) is not ISO-8601: '" + as_of + "'");
  }
  parts->sampler = std::make_unique<PriceSampler>(density, config.whole_dollar_fraction);
  GeneratorOptions gen;
  gen.seed = config.seed;
  gen.as_of_ms = std::chrono::duration_cast<Millis>(as_of_time.time_since_epoch()).count();
  gen.labgrown_price_factor = config.labgrown_price_factor;
  gen.content = config.content;
  parts->generator = std::make_unique<OfferGenerator>(gen, parts->sampler.get());
  parts->inventory = std::make_unique<Inventory>(parts->generator.get(), static_cast<uint32_t>(config.natural),
                                                 static_cast<uint32_t>(config.labgrown));
  parts->tokens =
      std::make_unique<TokenStore>(config.username, config.password, config.token_ttl_s * 1000, &DefaultClock());
  ExecutorOptions exec;
  exec.max_limit = config.max_limit;
  exec.default_limit = config.max_limit;
  exec.short_page_fraction = config.short_page_fraction;
  exec.insert_order = config.insert_order;
  exec.seed = config.seed;
  parts->executor = std::make_unique<Executor>(parts->inventory.get(), parts->tokens.get(), &parts->counters, exec);
  parts->churn = std::make_unique<ChurnDriver>(parts->inventory.get(), &parts->counters, &DefaultClock(), config.churn,
                                               config.seed);
  parts->limiter =
      std::make_unique<RateLimiter>(config.rate_limit, config.rate_burst > 0 ? config.rate_burst : config.rate_limit);
  parts->rng = Rng(HashOf(config.fault_seed != 0 ? config.fault_seed : config.seed, 0xfa17));

  Parts* p = parts.get();
  int threads = config.threads;
  p->server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  p->server.set_tcp_nodelay(true);
  p->server.set_keep_alive_max_count(1'000'000);
  p->server.set_keep_alive_timeout(config.keep_alive_timeout_s);
  p->server.set_payload_max_length(1 << 20);
  // Remember the listening socket: the library listens with a backlog of 5,
  // too small for bursts of new connections; Bind() raises it.
  p->server.set_socket_options([p](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    // Accepted sockets inherit TCP_NODELAY: without it, headers and body go out
    // in two writes and Nagle + delayed ACK add ~40 ms to every response.
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    p->listen_fd = sock;
  });
  p->server.Post("/api/diamonds", [p](const httplib::Request& req, httplib::Response& res) { Handle(p, req, res); });
  AddAdminRoutes(p);
  return std::unique_ptr<Simulator>(new Simulator(std::move(parts)));
}

Result<int> Simulator::Bind() {
  int port;
  if (parts_->config.port == 0) {
    port = parts_->server.bind_to_any_port(parts_->config.host);
  } else {
    port = parts_->server.bind_to_port(parts_->config.host, parts_->config.port) ? parts_->config.port : -1;
  }
  if (port <= 0) {
    return Status(Code::kUnavailable, "cannot bind " + parts_->config.host + ":" + std::to_string(parts_->config.port));
  }
  if (parts_->listen_fd >= 0) ::listen(parts_->listen_fd, 4096);
  return port;
}

void Simulator::Serve() {
  parts_->churn->Start();
  parts_->server.listen_after_bind();
}

void Simulator::Shutdown() {
  {
    std::lock_guard lock(parts_->sleep_mu);
    parts_->shutting_down = true;
  }
  parts_->sleep_cv.notify_all();
  parts_->server.stop();
}

}  // namespace di::sim
