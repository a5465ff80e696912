// Helpers the database benchmarks share (bench_consolidate, bench_storefront):
// exits with one line, a consolidatable run, the mapping fixtures' items raw
// offers are made of, a Consolidator over a database. Not thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "roles/consolidator.h"
#include "store/pg.h"

namespace di::bench {

// Prints "bench: WHAT: status" to stderr and exits 1 unless S is ok.
void Must(const Status& s, const std::string& what);

// A run of FEED and RUN_TYPE (full | incremental) with one partition, completed:
// ready to consolidate.
void CreateCompletedRun(pg::Connection& conn, const std::string& run_id, const std::string& feed,
                        const std::string& run_type, const std::string& updated_to);

// The raw item of tests/fixtures/mapping/FILE (e.g. natural_sim_item.json, a
// nivoda-sim item of ~2 KB), under $DI_SOURCE_DIR; exits 1 when it cannot be read.
nlohmann::json FixtureItem(const std::string& file);

// A Consolidator over URL (a pool of 6, the PostgreSQL queue, alerts as log
// lines, FEED's watermark in the database) with OPTIONS.
std::unique_ptr<Consolidator> MakeConsolidator(const std::string& url, const std::string& feed,
                                               const ConsolidatorOptions& options = {});

}  // namespace di::bench
