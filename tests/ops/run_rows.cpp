#include "run_rows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace di::testing {
namespace {

void Exec(pg::Connection& conn, const std::string& sql, const pg::Params& params = {}) {
  auto r = conn.Exec(sql, params);
  if (!r.ok()) ADD_FAILURE() << r.status().ToString() << " in " << sql;
}

}  // namespace

SampleRunFacts InsertSampleRun(pg::Connection& conn, const SampleRun& run) {
  SampleRunFacts facts;
  std::mt19937 rng(run.seed);
  std::lognormal_distribution<double> price(std::log(2500.0), 1.2);
  std::vector<int64_t> cents;
  while (static_cast<int>(cents.size()) < run.offers) {  // $200 .. $2M, like the natural feed
    const int64_t c = std::llround(price(rng) * 100);
    if (c >= 20000 && c <= 2'000'000'00) cents.push_back(c);
  }
  std::sort(cents.begin(), cents.end());

  // Equal-count partitions with whole-dollar bounds; the first starts at $0.
  const int n = static_cast<int>(run.partitions.size());
  std::vector<int64_t> bounds{0};
  for (int p = 1; p < n; ++p) {
    int64_t b = cents[static_cast<size_t>(p) * cents.size() / static_cast<size_t>(n)] / 100;
    bounds.push_back(std::max(b, bounds.back() + 1));
  }
  facts.lower_bounds = bounds;
  facts.expected_records = run.offers;

  const bool ended = run.status == "completed" || run.status == "failed";
  Exec(conn,
       "INSERT INTO run_metadata (run_id, feed, run_type, status, expected_partitions, completed_partitions, "
       "failed_partitions, expected_records, count_queries, watermark_before, watermark_after, updated_to, started_at, "
       "completed_at, consolidation_started_at, consolidation_completed_at, error_message) VALUES "
       "($1, 'natural', $2, $3, $4, $5, $6, $7, 41, '2026-01-01T02:00:00Z', "
       "CASE WHEN $10 THEN '2026-01-02T02:00:00Z'::timestamptz END, '2026-01-02T02:00:00Z', "
       "now() - make_interval(secs => $8), "
       "CASE WHEN $11 THEN now() - make_interval(secs => $8) + make_interval(secs => $9) END, "
       "CASE WHEN $10 THEN now() - make_interval(secs => $8) + make_interval(secs => $9) END, "
       "CASE WHEN $10 THEN now() - make_interval(secs => $8) + make_interval(secs => $9 + 20) END, "
       "CASE WHEN $3 = 'failed' THEN 'only 50% of partitions succeeded' END)",
       {pg::P(run.run_id), pg::P(run.run_type), pg::P(run.status), pg::P(n),
        pg::P(static_cast<int64_t>(std::count(run.partitions.begin(), run.partitions.end(), "completed"))),
        pg::P(static_cast<int64_t>(std::count(run.partitions.begin(), run.partitions.end(), "failed"))),
        pg::P(static_cast<int64_t>(run.offers)), pg::P(run.started_seconds_ago), pg::P(run.duration_seconds),
        pg::P(run.consolidated), pg::P(ended)});

  // Four partitions at a time, each lasting in proportion to its records.
  std::vector<double> slot_free(4, 0.0);
  const double per_partition = static_cast<double>(run.duration_seconds) * 4.0 / std::max(n, 1);
  for (int p = 0; p < n; ++p) {
    const std::string& status = run.partitions[static_cast<size_t>(p)];
    const int64_t lo = bounds[static_cast<size_t>(p)] * 100;
    const int64_t hi = p + 1 < n ? bounds[static_cast<size_t>(p) + 1] * 100 : INT64_MAX;
    const int64_t expected =
        std::lower_bound(cents.begin(), cents.end(), hi) - std::lower_bound(cents.begin(), cents.end(), lo);
    int64_t fetched = status == "completed" ? expected
                      : status == "failed"  ? expected / 2
                      : status == "running" ? expected * 2 / 5
                                            : 0;
    auto slot = std::min_element(slot_free.begin(), slot_free.end());
    const double start = *slot;
    const double length = per_partition * (0.6 + 0.8 * std::uniform_real_distribution<double>(0, 1)(rng));
    *slot = start + length;
    const bool has_start = status != "pending";
    const bool has_end = status == "completed" || status == "failed";
    Exec(conn,
         "INSERT INTO partition_runs (run_id, partition_id, worker_id, status, records_processed, attempts, "
         "work_item_payload, error_message, started_at, completed_at) VALUES ($1, $2, $3, $4, $5, $6, '{}', $7, "
         "CASE WHEN $8 THEN (SELECT started_at FROM run_metadata WHERE run_id = $1) + make_interval(secs => $9) END, "
         "CASE WHEN $10 THEN (SELECT started_at FROM run_metadata WHERE run_id = $1) + make_interval(secs => $11) END)",
         {pg::P(run.run_id), pg::P(p), has_start ? pg::P("host-a:" + std::to_string(100 + p % 4)) : pg::Null(),
          pg::P(status), pg::P(has_end ? fetched : int64_t{0}),
          pg::P(status == "failed" ? 10
                : has_start        ? 1
                                   : 0),
          status == "failed" ? pg::P("Nivoda unavailable after 10 deliveries: HTTP 503") : pg::Null(), pg::P(has_start),
          pg::P(start), pg::P(has_end), pg::P(std::min(start + length, double(run.duration_seconds)))});
    Exec(conn,
         "INSERT INTO partition_progress (run_id, partition_id, price_min, price_max, expected_records, next_offset, "
         "phase, pages_fetched, records_fetched, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
         "now() - make_interval(secs => $10))",
         {pg::P(run.run_id), pg::P(p), pg::P(bounds[static_cast<size_t>(p)]),
          p + 1 < n ? pg::P(bounds[static_cast<size_t>(p) + 1]) : pg::Null(), pg::P(expected), pg::P(fetched),
          pg::P(status == "completed" ? "done" : "paging"), pg::P((fetched + 49) / 50), pg::P(fetched),
          pg::P(run.progress_seconds_ago)});
  }

  // Raw offers the run stored (completed partitions' share is enough for a histogram).
  std::string copy;
  for (size_t i = 0; i < cents.size(); ++i) {
    const std::string id = run.run_id + "-" + std::to_string(i);
    copy += id + "\tnatural\t" + run.run_id + "\to" + id + "\t" + std::to_string(cents[i]) + "\t{}\th" + id + "\n";
  }
  Status s = conn.CopyIn(
      "COPY raw_diamonds_nivoda (supplier_stone_id, feed, run_id, offer_id, price_cents, payload, payload_hash) "
      "FROM STDIN",
      copy);
  if (!s.ok()) ADD_FAILURE() << s.ToString();
  facts.records_fetched = static_cast<int64_t>(cents.size());  // status counts stones stored by the run

  // Requests: a ramp-up, then close to the target with noise; a burst of 429s at 40%.
  std::normal_distribution<double> noise(0, 1.5);
  for (int64_t t = 0; t < run.duration_seconds; ++t) {
    const double ramp = std::min(1.0, static_cast<double>(t + 1) / 20.0);
    const int64_t req = std::max<int64_t>(0, std::llround(run.requests_per_second * ramp + noise(rng)));
    const int64_t limited = t == run.duration_seconds * 2 / 5 ? 3 : 0;
    facts.requests += req;
    facts.rate_limited += limited;
    Exec(conn,
         "INSERT INTO request_seconds (run_id, second, requests, errors, rate_limited, latency_ms_sum) VALUES "
         "($1, date_trunc('second', (SELECT started_at FROM run_metadata WHERE run_id = $1)) + "
         "make_interval(secs => $2), $3, $4, $4, $5)",
         {pg::P(run.run_id), pg::P(t), pg::P(req), pg::P(limited), pg::P(req * 180)});
  }
  return facts;
}

}  // namespace di::testing
