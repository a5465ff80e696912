// nivoda-sim: a simulator of the Nivoda GraphQL API (see sim/README.md).
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "common/log.h"
#include "sim/config.h"
#include "sim/simulator.h"

#ifndef DI_SIM_DEFAULT_DENSITY
#define DI_SIM_DEFAULT_DENSITY ""
#endif

namespace {

using di::sim::SimConfig;

void AddFlags(CLI::App& app, SimConfig& c) {
  auto range01 = CLI::Range(0.0, 1.0);
  app.add_option("--host", c.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", c.port, "TCP port; 0 picks a free port and prints 'listening on HOST:PORT'")
      ->capture_default_str();
  app.add_option("--threads", c.threads, "HTTP worker threads = max concurrent connections")
      ->check(CLI::Range(4, 4096))
      ->capture_default_str();
  app.add_option("--keep-alive-timeout", c.keep_alive_timeout_s, "Seconds an idle keep-alive connection stays open")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();

  app.add_option("--username", c.username, "Account user name accepted by authenticate")->capture_default_str();
  app.add_option("--password", c.password, "Account password accepted by authenticate")->capture_default_str();
  app.add_option("--token-ttl", c.token_ttl_s, "Token lifetime in seconds")
      ->check(CLI::Range(1, 30 * 86400))
      ->capture_default_str();

  app.add_option("--seed", c.seed, "Inventory seed: same flags, same offers")->capture_default_str();
  app.add_option("--natural", c.natural, "Natural offers at start")
      ->check(CLI::Range(0, 20'000'000))
      ->capture_default_str();
  app.add_option("--labgrown", c.labgrown, "Lab-grown offers at start")
      ->check(CLI::Range(0, 20'000'000))
      ->capture_default_str();
  app.add_option("--density", c.density_path,
                 "Density JSON file shaping prices (dollar_value bands); default: " DI_SIM_DEFAULT_DENSITY)
      ->check(CLI::ExistingFile);
  app.add_option("--as-of", c.as_of,
                 "ISO-8601 time the initial inventory is 'as of' (updated_at values lie in the year before); "
                 "default: the density file's timestamp");
  app.add_option("--whole-dollar-fraction", c.whole_dollar_fraction, "Fraction of prices that are whole dollars")
      ->check(range01)
      ->capture_default_str();
  app.add_option("--labgrown-price-factor", c.labgrown_price_factor,
                 "Lab-grown total price = natural price draw x factor (min $30)")
      ->check(CLI::Range(0.001, 10.0))
      ->capture_default_str();

  app.add_option("--max-limit", c.max_limit, "Largest accepted page limit")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--short-page-fraction", c.short_page_fraction,
                 "Probability that a full page in the middle of a result comes back short")
      ->check(range01)
      ->capture_default_str();

  app.add_option("--churn-reprice-per-min", c.churn.reprice_per_min, "Offers re-priced per minute")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--churn-payload-per-min", c.churn.payload_per_min, "Offers whose payload changes per minute")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--churn-add-per-min", c.churn.add_per_min, "Offers added per minute")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--churn-remove-per-min", c.churn.remove_per_min, "Offers removed per minute")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--churn-tick-ms", c.churn.tick_ms, "Milliseconds between churn batches")
      ->check(CLI::Range(10, 60'000))
      ->capture_default_str();

  app.add_option("--rate-limit", c.rate_limit, "Account requests per second (token bucket); 0 = off. Above: HTTP 429")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--rate-burst", c.rate_burst, "Token bucket size; 0 = one second of --rate-limit")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--latency-base-ms", c.latency.base_ms, "Median base latency per request (ms); 0 = off")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--latency-per-1k-offset-ms", c.latency.per_1k_offset_ms, "Extra ms per 1,000 of page offset")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--latency-jitter", c.latency.jitter, "Log-normal sigma applied to the base latency")
      ->check(CLI::Range(0.0, 3.0))
      ->capture_default_str();
  app.add_option("--latency-max-ms", c.latency.max_ms, "Cap on the modelled latency (ms)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();

  app.add_option("--fault-500", c.faults.http500, "Probability of HTTP 500")->check(range01)->capture_default_str();
  app.add_option("--fault-502", c.faults.http502, "Probability of HTTP 502")->check(range01)->capture_default_str();
  app.add_option("--fault-503", c.faults.http503, "Probability of HTTP 503")->check(range01)->capture_default_str();
  app.add_option("--fault-hang", c.faults.hang, "Probability of holding the request --fault-hang-ms, then HTTP 504")
      ->check(range01)
      ->capture_default_str();
  app.add_option("--fault-hang-ms", c.faults.hang_ms, "How long a hung request is held (ms)")
      ->check(CLI::Range(1, 3'600'000))
      ->capture_default_str();
  app.add_option("--fault-reset", c.faults.reset, "Probability of resetting the TCP connection (RST, no response)")
      ->check(range01)
      ->capture_default_str();
  app.add_option("--fault-malformed", c.faults.malformed, "Probability of HTTP 200 with truncated, invalid JSON")
      ->check(range01)
      ->capture_default_str();
  app.add_option("--fault-graphql-error", c.faults.graphql_error,
                 "Probability of HTTP 200 with a transient GraphQL error (INTERNAL_SERVER_ERROR)")
      ->check(range01)
      ->capture_default_str();
  app.add_option("--bad-offer-fraction", c.content.bad_offer_fraction,
                 "Fraction of stones served without a required field (price or diamond.id; fixed per stone)")
      ->check(range01)
      ->capture_default_str();
  app.add_option("--hostile-text-fraction", c.content.hostile_text_fraction,
                 "Fraction of stones whose every text field holds SQL/JSON/COPY-hostile text (fixed per stone)")
      ->check(range01)
      ->capture_default_str();
  app.add_option("--fault-seed", c.fault_seed, "Seed for fault and latency draws; 0 = derived from --seed")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  SimConfig config;
  CLI::App app{
      "nivoda-sim: a simulator of the Nivoda GraphQL API. POST {query, variables} to /api/diamonds; admin "
      "interface under /admin/ (see sim/README.md)."};
  AddFlags(app, config);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "debug|info|warn|error (JSON lines on stderr)")->capture_default_str();
  std::string insert_order = "unique";
  app.add_option("--insert-order", insert_order,
                 "unique (an insertion sequence) | ties (keyed like createdAt, ties reshuffled per call) | rejected "
                 "(`insert` is not a DiamondOrderType value: a validation error)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  di::log::Level level;
  if (!di::log::ParseLevel(log_level, &level)) {
    std::fprintf(stderr, "nivoda-sim: --log-level must be debug|info|warn|error\n");
    return 2;
  }
  if (!di::sim::ParseInsertOrder(insert_order, &config.insert_order)) {
    std::fprintf(stderr, "nivoda-sim: --insert-order must be unique|ties|rejected\n");
    return 2;
  }
  di::log::Init(level, di::log::Format::kJson);
  if (config.density_path.empty()) config.density_path = DI_SIM_DEFAULT_DENSITY;
  if (config.density_path.empty() || !std::filesystem::exists(config.density_path)) {
    std::fprintf(stderr, "nivoda-sim: no density file: pass --density FILE (default %s not found)\n",
                 DI_SIM_DEFAULT_DENSITY);
    return 2;
  }
  di::log::AddSecret(config.password);

  // Signals are handled by one thread with sigwait; every other thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto start = std::chrono::steady_clock::now();
  auto sim = di::sim::Simulator::Create(config);
  if (!sim.ok()) {
    std::fprintf(stderr, "nivoda-sim: %s\n", sim.status().message().c_str());
    return 2;
  }
  auto port = (*sim)->Bind();
  if (!port.ok()) {
    std::fprintf(stderr, "nivoda-sim: %s\n", port.status().message().c_str());
    return 1;
  }
  auto startup_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  di::log::Info("nivoda-sim ready", {{"host", config.host},
                                     {"port", *port},
                                     {"natural", config.natural},
                                     {"labgrown", config.labgrown},
                                     {"seed", static_cast<int64_t>(config.seed)},
                                     {"startup_ms", static_cast<int64_t>(startup_ms)}});
  std::printf("listening on %s:%d\n", config.host.c_str(), *port);
  std::fflush(stdout);

  di::sim::Simulator* raw = sim->get();
  std::thread waiter([raw, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    raw->Shutdown();
  });
  raw->Serve();
  // Serve returned: either a signal arrived, or the server failed. Wake the waiter.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  di::log::Info("nivoda-sim stopped", {});
  return 0;
}
