// The run report's charts as inline SVG elements (no scripts, no external
// references, text escaped): the price histogram with partition boundaries,
// the partitions' timeline, the request rate against the limit, retries and
// 429s over time. Pure
// functions of ReportData; each returns one <svg> element sized for a
// 1000-pixel-wide page column (it scales down with the page). Thread-safe.
#pragma once

#include <string>

#include "ops/report_data.h"

namespace di {

// Offers per histogram bin on a log price axis ($0 at the left edge), with a
// dashed line and the partition number at each partition's lower bound.
std::string PriceHistogramSvg(const ReportData& data);

// One bar per partition from its (last) start to its end, coloured by status;
// partitions still running reach the run's current duration, pending ones
// are listed without a bar.
std::string PartitionTimelineSvg(const ReportData& data);

// Requests per second since the run's start (averaged over buckets when the
// run is long), the configured limit as a dashed line, seconds with HTTP 429
// marked in red.
std::string RequestRateSvg(const ReportData& data);

// Retries (blue bars) and HTTP 429 answers (red bars) per interval since the
// run's start (at most ~120 intervals).
std::string RetriesSvg(const ReportData& data);

// Escapes & < > " ' for HTML/SVG text and attributes.
std::string EscapeXml(const std::string& text);

}  // namespace di
