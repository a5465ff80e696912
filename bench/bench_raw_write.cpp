// Raw write throughput: offers/s stored by the RawWriter (COPY into a temp
// table + merge, checkpoint in the same transaction, batches submitted page by
// page) against a plain COPY of the same rows into an identical table (same
// columns, defaults, constraints and indexes),
// measured in the same run on the same server. Offers are real simulator
// items (full selection). No latency, no rate limit.
#include <chrono>
#include <cstdio>
#include <set>

#include "ingest/raw_writer.h"
#include "pipeline_fixture.h"
#include "store/runs.h"

using namespace di;
using namespace di::testing;

int main() {
  constexpr int kOffers = 100000;
  Pipeline p({"--natural", std::to_string(kOffers), "--labgrown", "0"});
  // Real pages from the simulator.
  std::vector<nivoda::Page> pages;
  nivoda::DiamondQuery q;
  q.labgrown = false;
  for (int64_t offset = 0;; offset += 50) {
    auto page = p.components.client->FetchPage(q, offset, 50, nivoda::Order{});
    if (!page.ok() || page->end()) break;
    pages.push_back(std::move(*page));
  }
  // Each stone once (paging over ties repeats some), in pages of 50, for both sides.
  {
    std::set<std::string> seen;
    std::vector<nivoda::Offer> unique;
    for (auto& pg : pages) {
      for (auto& o : pg.offers) {
        if (seen.insert(o.stone_id).second) unique.push_back(std::move(o));
      }
    }
    pages.clear();
    for (size_t i = 0; i < unique.size(); i += 50) {
      nivoda::Page pg;
      for (size_t j = i; j < std::min(unique.size(), i + 50); ++j) pg.offers.push_back(std::move(unique[j]));
      pages.push_back(std::move(pg));
    }
  }
  int64_t n = 0;
  for (const auto& pg : pages) n += static_cast<int64_t>(pg.offers.size());

  // Baseline: one plain COPY of the same rows into a table of the same shape.
  auto conn = p.db.Connect();
  (void)conn->Exec("CREATE TABLE plain (LIKE raw_diamonds_nivoda INCLUDING ALL)");
  // Both sides are timed end to end: building the COPY text and sending it.
  auto t0 = std::chrono::steady_clock::now();
  std::string data;
  for (const auto& pg : pages) {
    for (const auto& o : pg.offers) {
      data += o.stone_id + "\tnatural\trun\t" + o.offer_id + "\t" + std::to_string(o.price_cents) + "\t" +
              (o.updated_at.empty() ? "\\N" : o.updated_at) + "\t";
      pg::AppendCopyText(&data, o.raw_json);
      data += "\t" + o.sha256_hex + "\n";
    }
  }
  Status copied = conn->CopyIn(
      "COPY plain (supplier_stone_id, feed, run_id, offer_id, price_cents,"
      " source_updated_at, payload, payload_hash) FROM STDIN",
      data);
  double copy_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Ours: the worker's writer, a batch per page with its checkpoint.
  (void)conn->Exec(
      "INSERT INTO run_metadata (run_id, feed, run_type, expected_partitions, updated_to)"
      " VALUES ('bench', 'natural', 'full', 1, now())");
  (void)conn->Exec("INSERT INTO partition_progress (run_id, partition_id, price_min) VALUES ('bench', 0, 0)");
  t0 = std::chrono::steady_clock::now();
  Status written;
  {
    ingest::RawWriter writer(p.components.pool, {"bench", 0, "natural"});
    int64_t offset = 0;
    for (auto& pg : pages) {
      offset += 50;
      written = writer.Submit({pg.offers, {}, store::Checkpoint{offset, "paging", offset / 50, offset}});
      if (!written.ok()) break;
    }
    if (written.ok()) written = writer.Flush();
  }
  double ours_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto stored = conn->Exec("SELECT count(*) FROM raw_diamonds_nivoda WHERE run_id = 'bench'");
  std::printf("bench_raw_write: %lld real offers (%.1f MB of JSON)\n", static_cast<long long>(n), data.size() / 1e6);
  std::printf("  plain COPY:        %8.0f offers/s %s\n", n / copy_s, copied.ok() ? "" : copied.ToString().c_str());
  std::printf("  RawWriter (merge): %8.0f offers/s, %lld stored %s\n", n / ours_s,
              static_cast<long long>(stored->GetInt64(0, 0)), written.ok() ? "" : written.ToString().c_str());
  std::printf("  ratio writer/COPY: %.2f (goal >= 0.7)\n", copy_s / ours_s);
  return copied.ok() && written.ok() ? 0 : 1;
}
