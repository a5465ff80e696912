// The run report of `diamond-ingest report --run-id ID --out DIR`: one
// self-contained HTML page (inline CSS and SVG; no scripts, no fonts, no
// images, no link or source outside the file) with the run's summary numbers
// (partitions, offers fetched, added / changed / unchanged / deleted, offers
// not storable, dead letters, requests actually sent, errors and 429s), the
// price histogram with the partition boundaries (report_data.h: the run as it
// was), the partitions' timeline, the request rate against the limit, retries
// and 429s over time, the last error of failing partitions, the run's dead
// letters and the partition table. Cards carry data-key attributes.
//
// RenderReportHtml is pure; WriteReport reads the database and writes
// DIR/index.html (creating DIR). Thread-safe as far as the connection given
// is used by one thread.
#pragma once

#include <string>

#include "common/status.h"
#include "ops/report_data.h"
#include "store/pg.h"

namespace di {

// The complete page. Every text from the database is escaped.
std::string RenderReportHtml(const ReportData& data);

// Loads RUN_ID (kNotFound when unknown) and writes OUT_DIR/index.html;
// returns the file's path. RATE_LIMIT: the configured requests/s, drawn as the limit.
Result<std::string> WriteReport(pg::Connection& conn, const std::string& run_id, double rate_limit,
                                const std::string& out_dir);

}  // namespace di
