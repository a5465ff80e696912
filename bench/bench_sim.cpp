// bench_sim: how fast nivoda-sim serves, so it is never the bottleneck.
//  1. Page requests/s (limit 50, the client's full item selection, random price
//     partitions and offsets) from 4 keep-alive client threads on loopback,
//     against the real process (latency and limits off), and the same client
//     against a trivial httplib endpoint returning a fixed body of the same
//     size: the ratio shows what the simulator itself costs.
//  2. Count latency: Inventory::Count over random price ranges (in process)
//     and the HTTP round trip of a count query.
//  3. Startup time and RSS of nivoda-sim with 440,000 and 1,000,000 offers.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "nivoda/queries.h"
#include "schema/item_selection.h"
#include "sim/density.h"
#include "sim/generator.h"
#include "sim/inventory.h"
#include "sim/rng.h"
#include "sim_process.h"

namespace {

using Clock = std::chrono::steady_clock;
using di::testing::SimProcess;

constexpr int kClientThreads = 4;
constexpr double kSeconds = 3.0;

std::string DensityPath() {
  return std::string(DI_SOURCE_DIR_FOR_BENCH) + "/../shared/data/nivoda-density-2026-02.json";
}

int64_t RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      int64_t kb = 0;
      in >> kb;
      return kb;
    }
    std::getline(in, key);
  }
  return -1;
}

std::string PageBody(const std::string& token, di::sim::Rng& rng, const char* order = "price") {
  // Partitions of $250 between $0 and $5,000 hold a few thousand offers each.
  int64_t from = rng.Range(0, 19) * 250;
  int64_t offset = rng.Range(0, 20) * 50;
  std::string query =
      "query Page($token: String!, $query: DiamondQuery!, $offset: Int, $limit: Int, $order: DiamondOrder) { "
      "as(token: $token) { diamonds_by_query(query: $query, offset: $offset, limit: $limit, order: $order) { "
      "total_count items { " +
      std::string(di::schema::kItemSelection) + " } } } }";
  return "{\"query\":\"" + query + "\",\"variables\":{\"token\":\"" + token +
         "\",\"query\":{\"labgrown\":false,\"dollar_value\":{\"from\":" + std::to_string(from) +
         ",\"to\":" + std::to_string(from + 250) + "}},\"offset\":" + std::to_string(offset) +
         ",\"limit\":50,\"order\":{\"type\":\"" + order + "\",\"direction\":\"ASC\"}}}";
}

struct Throughput {
  double per_second = 0;
  int64_t bytes = 0;
  int64_t failures = 0;
};

// Runs kClientThreads keep-alive clients posting bodies from MAKE_BODY for kSeconds.
template <typename MakeBody>
Throughput Hammer(int port, MakeBody make_body) {
  std::atomic<int64_t> done{0}, bytes{0}, failures{0};
  auto deadline = Clock::now() + std::chrono::duration<double>(kSeconds);
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int t = 0; t < kClientThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      di::sim::Rng rng(1000 + t);
      while (Clock::now() < deadline) {
        auto r = client.Post("/api/diamonds", make_body(rng), "application/json");
        if (!r || r->status != 200) {
          ++failures;
          continue;
        }
        ++done;
        bytes += static_cast<int64_t>(r->body.size());
      }
    });
  }
  for (auto& th : threads) th.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  return {static_cast<double>(done) / secs, done ? bytes / done : 0, failures};
}

void CountLatencyInProcess() {
  auto density = di::sim::LoadDensity(DensityPath());
  if (!density.ok()) {
    std::printf("count latency: skipped (%s)\n", density.status().message().c_str());
    return;
  }
  di::sim::PriceSampler sampler(*density, 0.25);
  di::sim::GeneratorOptions options;
  options.as_of_ms = 1770922873001;
  di::sim::OfferGenerator generator(options, &sampler);
  di::sim::Inventory inventory(&generator, 440000, 900000);
  di::sim::Rng rng(5);
  auto measure = [&](bool price_only) {
    std::vector<double> micros;
    for (int i = 0; i < (price_only ? 20000 : 50); ++i) {
      di::sim::DiamondQuery q;
      int64_t from = rng.Range(0, 300000);
      q.price_cents = di::sim::Bounds{from * 100, (from + rng.Range(0, 50000)) * 100 + 99};
      q.labgrown = rng.Chance(0.5);
      if (!price_only) q.has_image = true;
      auto start = Clock::now();
      volatile int64_t n = inventory.Count(q);
      (void)n;
      micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    std::sort(micros.begin(), micros.end());
    return std::make_pair(micros[micros.size() / 2], micros[micros.size() * 99 / 100]);
  };
  auto [p50, p99] = measure(true);
  auto [s50, s99] = measure(false);
  std::printf("count, price-only filter, 1.34M offers (sorted index): p50 %.2f us, p99 %.2f us\n", p50, p99);
  std::printf("count, price + has_image (scan of the price range):   p50 %.0f us, p99 %.0f us\n", s50, s99);
}

}  // namespace

int main() {
  std::printf("== bench_sim ==\n");
  // 3. Startup and memory.
  for (int64_t natural : {440000, 1000000}) {
    auto start = Clock::now();
    auto sim = SimProcess::Start({"--natural", std::to_string(natural), "--labgrown", "0", "--log-level", "warn"});
    if (!sim.ok()) {
      std::printf("start failed: %s\n", sim.status().ToString().c_str());
      return 1;
    }
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::printf("nivoda-sim %7lld offers: ready in %.0f ms, RSS %.0f MB\n", static_cast<long long>(natural), ms,
                static_cast<double>(RssKb((*sim)->pid())) / 1024.0);
  }

  // 1. Page throughput vs baseline.
  auto sim = SimProcess::Start({"--natural", "440000", "--labgrown", "0", "--log-level", "warn"});
  if (!sim.ok()) return 1;
  auto token = (*sim)->Token();
  if (!token.ok()) return 1;
  Throughput pages = Hammer((*sim)->port(), [&](di::sim::Rng& rng) { return PageBody(*token, rng); });
  Throughput by_discount = Hammer((*sim)->port(), [&](di::sim::Rng& rng) { return PageBody(*token, rng, "discount"); });

  httplib::Server baseline;
  std::string fixed(static_cast<size_t>(std::max<int64_t>(pages.bytes, 1)), 'x');
  baseline.new_task_queue = [] { return new httplib::ThreadPool(64); };
  baseline.set_keep_alive_max_count(1'000'000);
  baseline.set_tcp_nodelay(true);
  baseline.Post("/api/diamonds",
                [&](const httplib::Request&, httplib::Response& res) { res.set_content(fixed, "application/json"); });
  int port = baseline.bind_to_any_port("127.0.0.1");
  std::thread server([&] { baseline.listen_after_bind(); });
  while (!baseline.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  di::sim::Rng body_rng(1);
  std::string same_request = PageBody(*token, body_rng);
  Throughput base = Hammer(port, [&](di::sim::Rng&) { return same_request; });
  baseline.stop();
  server.join();

  std::printf("pages (limit 50, full selection, %lld bytes), %d keep-alive clients: %.0f pages/s (%lld failures)\n",
              static_cast<long long>(pages.bytes), kClientThreads, pages.per_second,
              static_cast<long long>(pages.failures));
  std::printf("baseline (fixed %lld-byte body, same client):        %.0f requests/s\n",
              static_cast<long long>(base.bytes), base.per_second);
  std::printf("ratio simulator / baseline: %.2f (goal: >= 2,000 pages/s)\n", pages.per_second / base.per_second);
  std::printf("same pages ordered by discount (filter + partial sort of the partition): %.0f pages/s\n",
              by_discount.per_second);

  // 2. Count latency, over HTTP and in process.
  {
    httplib::Client client("127.0.0.1", (*sim)->port());
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);
    std::vector<double> micros;
    di::sim::Rng rng(9);
    for (int i = 0; i < 2000; ++i) {
      int64_t from = rng.Range(0, 100000);
      std::string body = "{\"query\":\"" + std::string(di::nivoda::kCountQuery) + "\",\"variables\":{\"token\":\"" +
                         *token + "\",\"query\":{\"dollar_value\":{\"from\":" + std::to_string(from) +
                         ",\"to\":" + std::to_string(from + 999) + "}}}}";
      auto start = Clock::now();
      auto r = client.Post("/api/diamonds", body, "application/json");
      micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      if (!r || r->status != 200) return 1;
    }
    std::sort(micros.begin(), micros.end());
    std::printf("count query over HTTP (keep-alive round trip): p50 %.0f us, p99 %.0f us\n", micros[1000],
                micros[1980]);
  }
  if (di::Status stopped = (*sim)->Stop(); !stopped.ok()) std::fprintf(stderr, "%s\n", stopped.ToString().c_str());
  CountLatencyInProcess();
  return 0;
}
