#include "ops/report_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/strings.h"
#include "ops/status.h"

namespace di {
namespace {

constexpr double kWidth = 1000;
constexpr double kLeft = 70, kRight = 24, kTop = 16, kBottom = 44;

std::string N(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Open(double height, const std::string& label) {
  return "<svg class=\"chart\" role=\"img\" aria-label=\"" + EscapeXml(label) + "\" viewBox=\"0 0 " + N(kWidth) + " " +
         N(height) + "\" width=\"" + N(kWidth) + "\" height=\"" + N(height) + "\">\n";
}

std::string Line(double x1, double y1, double x2, double y2, const std::string& cls) {
  return "<line class=\"" + cls + "\" x1=\"" + N(x1) + "\" y1=\"" + N(y1) + "\" x2=\"" + N(x2) + "\" y2=\"" + N(y2) +
         "\"/>\n";
}

std::string Text(double x, double y, const std::string& text, const std::string& anchor = "start",
                 const std::string& cls = "") {
  return "<text x=\"" + N(x) + "\" y=\"" + N(y) + "\" text-anchor=\"" + anchor + "\"" +
         (cls.empty() ? "" : " class=\"" + cls + "\"") + ">" + EscapeXml(text) + "</text>\n";
}

std::string Rect(double x, double y, double w, double h, const std::string& cls, const std::string& title) {
  return "<rect class=\"" + cls + "\" x=\"" + N(x) + "\" y=\"" + N(y) + "\" width=\"" + N(std::max(0.8, w)) +
         "\" height=\"" + N(std::max(0.0, h)) + "\"><title>" + EscapeXml(title) + "</title></rect>\n";
}

// Axes: the x axis at BOTTOM, the y axis at kLeft.
std::string Axes(double top, double bottom) {
  return Line(kLeft, bottom, kWidth - kRight, bottom, "axis") + Line(kLeft, top, kLeft, bottom, "axis");
}

// A "nice" step (1, 2, 5 x 10^k) giving about TICKS ticks up to MAX.
double NiceStep(double max, int ticks) {
  const double raw = std::max(max, 1e-9) / ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * mag) return m * mag;
  }
  return 10 * mag;
}

std::string ClockText(double seconds) {
  const int64_t s = std::llround(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  }
  return buf;
}

std::string RangeText(const PartitionStatus& p) {
  return FormatDollars(p.price_min) + "–" + (p.price_max ? FormatDollars(*p.price_max) : "∞");
}

// Time ticks along [kLeft, kWidth - kRight] for SPAN seconds at BOTTOM.
std::string TimeTicks(double span, double bottom, double top) {
  const double plot_w = kWidth - kLeft - kRight;
  const double step = NiceStep(span, 8);
  std::string svg;
  for (double t = 0; t <= span + 1e-9; t += step) {
    const double x = kLeft + plot_w * t / span;
    svg += Line(x, top, x, bottom, "grid");
    svg += Text(x, bottom + 16, ClockText(t), "middle");
  }
  svg += Text(kLeft + plot_w / 2, bottom + 34, "time since the run started (m:ss)", "middle", "label");
  return svg;
}

}  // namespace

std::string EscapeXml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string PriceHistogramSvg(const ReportData& data) {
  constexpr double kHeight = 380;
  const double bottom = kHeight - kBottom, top = kTop + 18, plot_w = kWidth - kLeft - kRight;
  std::string svg = Open(kHeight, "price histogram with partition boundaries");
  if (data.histogram.empty()) return svg + Text(kLeft, kHeight / 2, "no offers") + "</svg>\n";

  int64_t right = 1000;
  for (const auto& s : data.histogram) right = std::max(right, s.to_dollars.value_or(2 * s.from_dollars));
  for (const auto& p : data.partitions) right = std::max(right, 2 * p.price_min);
  const double u_max = std::log10(1.0 + static_cast<double>(right));
  auto u = [](double dollars) { return std::log10(1.0 + dollars); };
  auto px = [&](double dollars) { return kLeft + plot_w * u(dollars) / u_max; };
  // Offers per bin of 1/kHistogramBinsPerDecade decade (equal-width bins: the count itself).
  auto height = [&](const plan::DensitySample& s) {
    const double to = static_cast<double>(s.to_dollars.value_or(right));
    const double width = std::max(1e-9, u(to) - u(static_cast<double>(s.from_dollars)));
    return static_cast<double>(s.count) / (width * kHistogramBinsPerDecade);
  };
  double y_max = 0;
  for (const auto& s : data.histogram) y_max = std::max(y_max, height(s));
  const double step = NiceStep(y_max, 5);
  y_max = std::ceil(y_max / step) * step;
  auto py = [&](double v) { return bottom - (bottom - top) * v / y_max; };

  for (double v = 0; v <= y_max + 1e-9; v += step) {
    svg += Line(kLeft, py(v), kWidth - kRight, py(v), "grid");
    svg += Text(kLeft - 6, py(v) + 4, FormatCount(std::llround(v)), "end");
  }
  for (const auto& s : data.histogram) {
    const double x0 = px(static_cast<double>(s.from_dollars));
    const double x1 = px(static_cast<double>(s.to_dollars.value_or(right)));
    svg +=
        Rect(x0, py(height(s)), x1 - x0, bottom - py(height(s)), "bar",
             FormatDollars(s.from_dollars) + " – " + (s.to_dollars ? FormatDollars(*s.to_dollars) : std::string("∞")) +
                 ": " + FormatCount(s.count) + " offers");
  }
  for (double price = 1; price <= static_cast<double>(right); price *= 10) {
    svg += Text(px(price), bottom + 16, FormatDollars(static_cast<int64_t>(price)), "middle");
  }
  double last_label = -1e9;
  for (const auto& p : data.partitions) {
    const double x = px(static_cast<double>(p.price_min));
    if (p.price_min > 0) {
      svg += "<g class=\"boundary\"><title>" +
             EscapeXml("partition " + std::to_string(p.partition_id) + ": " + RangeText(p) + ", " +
                       FormatCount(p.expected_records) + " expected offers") +
             "</title>" + Line(x, top, x, bottom, "boundary") + "</g>\n";
    }
    if (x - last_label >= 16) {  // label the partition at its left edge when there is room
      svg += Text(x + 2, top - 6, std::to_string(p.partition_id), "start", "plabel");
      last_label = x;
    }
  }
  svg += Axes(top, bottom);
  svg += Text(kLeft + plot_w / 2, kHeight - 8, "total price, log scale (red: partition lower bounds, numbered)",
              "middle", "label");
  svg +=
      "<text class=\"label\" x=\"16\" y=\"" + N((top + bottom) / 2) + "\" transform=\"rotate(-90 16 " +
      N((top + bottom) / 2) + ")\" text-anchor=\"middle\">" +
      (data.histogram_source == HistogramSource::kPartitionsExpected ? "expected offers per bin" : "offers per bin") +
      "</text>\n";
  return svg + "</svg>\n";
}

std::string PartitionTimelineSvg(const ReportData& data) {
  const size_t n = data.partitions.size();
  const double row = n > 40 ? std::max(6.0, 560.0 / static_cast<double>(n)) : 14;
  const double top = kTop, bottom = top + row * static_cast<double>(std::max<size_t>(n, 1)) + 6;
  const double height = bottom + kBottom;
  const double left = kLeft + 90;  // room for the ranges
  std::string svg = Open(height, "partition timeline");
  if (n == 0) return svg + Text(kLeft, top + 14, "no partitions") + "</svg>\n";

  double span = std::max(1.0, data.run.duration_seconds);
  for (const auto& p : data.partitions) span = std::max(span, p.completed_offset_seconds.value_or(0));
  const double plot_w = kWidth - left - kRight;
  auto px = [&](double t) { return left + plot_w * std::clamp(t, 0.0, span) / span; };

  const double step = NiceStep(span, 8);
  for (double t = 0; t <= span + 1e-9; t += step) {
    svg += Line(px(t), top, px(t), bottom, "grid");
    svg += Text(px(t), bottom + 16, ClockText(t), "middle");
  }
  for (size_t i = 0; i < n; ++i) {
    const PartitionStatus& p = data.partitions[i];
    const double y = top + row * static_cast<double>(i) + 1;
    if (row >= 10) {
      svg += Text(left - 6, y + row * 0.75, "#" + std::to_string(p.partition_id) + " " + RangeText(p), "end", "small");
    }
    if (!p.started_offset_seconds) continue;
    const double start = *p.started_offset_seconds;
    const double end = p.completed_offset_seconds.value_or(data.run.duration_seconds);
    std::string title = "partition " + std::to_string(p.partition_id) + " (" + RangeText(p) + "): " + p.status + ", " +
                        FormatDuration(end - start) + ", " + FormatCount(p.records) + " offers, " +
                        std::to_string(p.attempts) + " attempt(s)";
    if (p.error) title += "; " + *p.error;
    svg += Rect(px(start), y, px(end) - px(start), row - 2, "t-" + p.status, title);
  }
  svg += Line(left, bottom, kWidth - kRight, bottom, "axis");
  svg += Text(left + plot_w / 2, height - 8,
              "time since the run started (m:ss); green completed, red failed, "
              "blue running",
              "middle", "label");
  return svg + "</svg>\n";
}

std::string RequestRateSvg(const ReportData& data) {
  constexpr double kHeight = 320;
  const double top = kTop + 8, bottom = kHeight - kBottom, plot_w = kWidth - kLeft - kRight;
  std::string svg = Open(kHeight, "request rate against the limit");
  if (data.requests.empty()) {
    return svg + Text(kLeft, kHeight / 2, "no requests recorded for this run (request_seconds is empty)") + "</svg>\n";
  }
  double span = std::max(data.run.duration_seconds, data.requests.back().offset_seconds + 1);
  span = std::max(span, 1.0);
  // Bucket seconds so that at most ~600 points are drawn.
  const int64_t bucket = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(span / 600.0)));
  const size_t buckets = static_cast<size_t>(std::ceil(span / static_cast<double>(bucket)));
  std::vector<double> rate(buckets, 0), limited(buckets, 0);
  for (const auto& s : data.requests) {
    const auto b = static_cast<size_t>(
        std::clamp(std::floor(s.offset_seconds / static_cast<double>(bucket)), 0.0, static_cast<double>(buckets - 1)));
    rate[b] += static_cast<double>(s.requests) / static_cast<double>(bucket);
    limited[b] += static_cast<double>(s.rate_limited);
  }
  double y_max = std::max(data.rate_limit * 1.25, 1.0);
  for (double r : rate) y_max = std::max(y_max, r * 1.1);
  const double step = NiceStep(y_max, 5);
  y_max = std::ceil(y_max / step) * step;
  auto px = [&](double t) { return kLeft + plot_w * t / span; };
  auto py = [&](double v) { return bottom - (bottom - top) * v / y_max; };

  for (double v = 0; v <= y_max + 1e-9; v += step) {
    svg += Line(kLeft, py(v), kWidth - kRight, py(v), "grid");
    svg += Text(kLeft - 6, py(v) + 4, FormatCount(std::llround(v)), "end");
  }
  svg += TimeTicks(span, bottom, top);
  // A step line: each bucket's rate held over its width.
  std::string points;
  for (size_t b = 0; b < buckets; ++b) {
    const double t0 = static_cast<double>(b * bucket), t1 = std::min(span, static_cast<double>((b + 1) * bucket));
    points += N(px(t0)) + "," + N(py(rate[b])) + " " + N(px(t1)) + "," + N(py(rate[b])) + " ";
  }
  svg += "<polygon class=\"area\" points=\"" + N(px(0)) + "," + N(bottom) + " " + points + N(px(span)) + "," +
         N(bottom) + "\"/>\n";
  svg += "<polyline class=\"rate\" points=\"" + points + "\"/>\n";
  for (size_t b = 0; b < buckets; ++b) {
    if (limited[b] <= 0) continue;
    const double x = px((static_cast<double>(b) + 0.5) * static_cast<double>(bucket));
    svg += "<circle class=\"r429\" cx=\"" + N(x) + "\" cy=\"" + N(bottom - 5) + "\" r=\"3\"><title>" +
           EscapeXml(FormatCount(std::llround(limited[b])) + " HTTP 429 at " +
                     ClockText(static_cast<double>(b * bucket))) +
           "</title></circle>\n";
  }
  if (data.rate_limit > 0) {
    char label[64];
    std::snprintf(label, sizeof label, "limit %g/s", data.rate_limit);
    svg += Line(kLeft, py(data.rate_limit), kWidth - kRight, py(data.rate_limit), "limit");
    svg += Text(kWidth - kRight - 4, py(data.rate_limit) - 5, label, "end", "limitlabel");
  }
  svg += Axes(top, bottom);
  svg += "<text class=\"label\" x=\"16\" y=\"" + N((top + bottom) / 2) + "\" transform=\"rotate(-90 16 " +
         N((top + bottom) / 2) + ")\" text-anchor=\"middle\">requests/s" +
         (bucket > 1 ? " (mean over " + std::to_string(bucket) + " s)" : std::string()) + "</text>\n";
  return svg + "</svg>\n";
}

std::string RetriesSvg(const ReportData& data) {
  constexpr double kHeight = 220;
  const double top = kTop + 8, bottom = kHeight - kBottom, plot_w = kWidth - kLeft - kRight;
  std::string svg = Open(kHeight, "retries and 429s over time");
  if (data.requests.empty()) {
    return svg + Text(kLeft, kHeight / 2, "no requests recorded for this run") + "</svg>\n";
  }
  double span = std::max({data.run.duration_seconds, data.requests.back().offset_seconds + 1, 1.0});
  // At most ~120 bars.
  const int64_t bucket = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(span / 120.0)));
  const size_t buckets = static_cast<size_t>(std::ceil(span / static_cast<double>(bucket)));
  std::vector<int64_t> retries(buckets, 0), limited(buckets, 0);
  for (const auto& s : data.requests) {
    const auto b = static_cast<size_t>(
        std::clamp(std::floor(s.offset_seconds / static_cast<double>(bucket)), 0.0, static_cast<double>(buckets - 1)));
    retries[b] += s.retries;
    limited[b] += s.rate_limited;
  }
  double y_max = 1;
  for (size_t b = 0; b < buckets; ++b) y_max = std::max(y_max, static_cast<double>(std::max(retries[b], limited[b])));
  const double step = NiceStep(y_max, 4);
  y_max = std::ceil(y_max / step) * step;
  auto px = [&](double t) { return kLeft + plot_w * t / span; };
  auto py = [&](double v) { return bottom - (bottom - top) * v / y_max; };
  for (double v = 0; v <= y_max + 1e-9; v += step) {
    svg += Line(kLeft, py(v), kWidth - kRight, py(v), "grid");
    svg += Text(kLeft - 6, py(v) + 4, FormatCount(std::llround(v)), "end");
  }
  svg += TimeTicks(span, bottom, top);
  const double w = plot_w * static_cast<double>(bucket) / span / 2;
  for (size_t b = 0; b < buckets; ++b) {
    const double t = static_cast<double>(b * bucket);
    const std::string when = ClockText(t);
    if (retries[b] > 0) {
      svg += Rect(px(t), py(static_cast<double>(retries[b])), w, bottom - py(static_cast<double>(retries[b])), "retry",
                  FormatCount(retries[b]) + " retries from " + when);
    }
    if (limited[b] > 0) {
      svg += Rect(px(t) + w, py(static_cast<double>(limited[b])), w, bottom - py(static_cast<double>(limited[b])),
                  "r429bar", FormatCount(limited[b]) + " HTTP 429 from " + when);
    }
  }
  svg += Axes(top, bottom);
  svg += "<text class=\"label\" x=\"16\" y=\"" + N((top + bottom) / 2) + "\" transform=\"rotate(-90 16 " +
         N((top + bottom) / 2) + ")\" text-anchor=\"middle\">per " + std::to_string(bucket) + " s</text>\n";
  return svg + "</svg>\n";
}

}  // namespace di
