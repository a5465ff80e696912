// Queue throughput: messages/s sent + received + completed with 4 producers and
// 4 consumers, against a baseline measured in the same run on the same server:
// the two statements any durable queue needs per message (one INSERT
// transaction, one DELETE by id), without leases, dedup or notification.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "queue/postgres_queue.h"
#include "test_database.h"

using namespace di;

namespace {

constexpr int kMessages = 20000;
constexpr int kThreads = 4;

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double RunQueue() {
  auto db = testing::TestDatabase::Create();
  auto pool = std::make_shared<pg::Pool>(db.url(), 2 * kThreads + 1);
  queue::PostgresQueue q(pool, queue::QueueOptions{});
  std::atomic<int> done{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < kThreads; ++p) {
    threads.emplace_back([&, p] {
      for (int i = p; i < kMessages; i += kThreads) {
        (void)q.Send({"bench", "{\"i\":" + std::to_string(i) + "}", "m" + std::to_string(i), std::nullopt});
      }
    });
  }
  for (int c = 0; c < kThreads; ++c) {
    threads.emplace_back([&] {
      while (done.load() < kMessages) {
        auto m = q.Receive("bench", Millis(200));
        if (m.ok() && m->has_value() && q.Complete(**m).ok()) ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  return kMessages / Seconds(start);
}

double RunBaseline() {
  auto db = testing::TestDatabase::Create(false);
  {
    auto conn = db.Connect();
    (void)conn->Exec("CREATE TABLE plain (id bigserial PRIMARY KEY, body text NOT NULL)");
  }
  std::atomic<int> done{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < kThreads; ++p) {
    threads.emplace_back([&, p] {
      auto conn = db.Connect();
      for (int i = p; i < kMessages; i += kThreads) {
        (void)conn->Exec("INSERT INTO plain (body) VALUES ($1)", {pg::P("{\"i\":" + std::to_string(i) + "}")});
      }
    });
  }
  for (int c = 0; c < kThreads; ++c) {
    threads.emplace_back([&, c] {
      auto conn = db.Connect();
      int64_t next = c + 1;  // each consumer deletes its own ids: no coordination at all
      while (done.load() < kMessages) {
        auto r = conn->Exec("DELETE FROM plain WHERE id = $1", {pg::P(next)});
        if (r.ok() && r->Affected() == 1) {
          ++done;
          next += kThreads;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return kMessages / Seconds(start);
}

}  // namespace

int main() {
  double baseline = RunBaseline();
  double queue = RunQueue();
  std::printf("bench_queue: %d messages, %d producers + %d consumers\n", kMessages, kThreads, kThreads);
  std::printf("  postgres queue  (send+receive+complete): %8.0f msg/s\n", queue);
  std::printf("  baseline        (INSERT + DELETE by id): %8.0f msg/s\n", baseline);
  std::printf("  ratio queue/baseline: %.2f\n", queue / baseline);
  return 0;
}
