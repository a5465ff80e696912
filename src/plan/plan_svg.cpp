#include "plan/plan_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "plan/plan_table.h"

namespace di::plan {
namespace {

constexpr double kWidth = 960, kHeight = 420;
constexpr double kLeft = 70, kRight = 20, kTop = 40, kBottom = 50;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

std::string RenderDensitySvg(const Plan& plan) {
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(kWidth) + "\" height=\"" + Num(kHeight) +
                    "\" viewBox=\"0 0 " + Num(kWidth) + " " + Num(kHeight) +
                    "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + Num(kLeft) + "\" y=\"22\" font-size=\"14\">heatmap=" + plan.algorithm + ": " +
         FormatCount(plan.total_records) + " offers, " + std::to_string(plan.partitions.size()) + " partitions, " +
         std::to_string(plan.count_queries) + " count queries</text>\n";
  if (plan.partitions.empty() || plan.density.empty()) {
    svg += "<text x=\"" + Num(kLeft) + "\" y=\"" + Num(kHeight / 2) + "\">no offers</text>\n";
    return svg + "</svg>\n";
  }

  // Price axis: u = log10(1 + price), from $0 to a right edge past every bound.
  int64_t right_price = 1000;
  for (const auto& s : plan.density) {
    right_price = std::max(right_price, s.to_dollars ? *s.to_dollars : 4 * s.from_dollars);
  }
  for (const auto& p : plan.partitions) right_price = std::max(right_price, 2 * p.price_min);
  const double u_max = std::log10(1.0 + static_cast<double>(right_price));
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double price) { return kLeft + plot_w * std::log10(1.0 + price) / u_max; };

  // Density axis: log10(offers per dollar) over the non-empty samples.
  double d_min = 1e300, d_max = -1e300;
  auto density = [&](const DensitySample& s) {
    const double to = s.to_dollars ? static_cast<double>(*s.to_dollars) : static_cast<double>(right_price);
    return static_cast<double>(s.count) / std::max(1.0, to - static_cast<double>(s.from_dollars));
  };
  for (const auto& s : plan.density) {
    if (s.count <= 0) continue;
    d_min = std::min(d_min, std::log10(density(s)));
    d_max = std::max(d_max, std::log10(density(s)));
  }
  if (d_min > d_max) d_min = d_max = 0;
  d_min = std::floor(d_min) - (d_min == std::floor(d_min) ? 1 : 0);
  d_max = std::ceil(d_max) + (d_max == std::ceil(d_max) ? 1 : 0);
  auto py = [&](double log_density) { return kTop + plot_h * (1.0 - (log_density - d_min) / (d_max - d_min)); };

  svg += "<g fill=\"#4a7ab5\" stroke=\"#2f557f\" stroke-width=\"0.3\">\n";
  for (const auto& s : plan.density) {
    if (s.count <= 0) continue;
    const double x0 = px(static_cast<double>(s.from_dollars));
    const double x1 = px(static_cast<double>(s.to_dollars ? *s.to_dollars : right_price));
    const double y = py(std::log10(density(s)));
    svg += "<rect x=\"" + Num(x0) + "\" y=\"" + Num(y) + "\" width=\"" + Num(std::max(0.5, x1 - x0)) + "\" height=\"" +
           Num(kTop + plot_h - y) + "\"/>\n";
  }
  svg += "</g>\n";

  // Axes and ticks.
  svg += "<g stroke=\"black\" fill=\"none\"><line x1=\"" + Num(kLeft) + "\" y1=\"" + Num(kTop + plot_h) + "\" x2=\"" +
         Num(kLeft + plot_w) + "\" y2=\"" + Num(kTop + plot_h) + "\"/><line x1=\"" + Num(kLeft) + "\" y1=\"" +
         Num(kTop) + "\" x2=\"" + Num(kLeft) + "\" y2=\"" + Num(kTop + plot_h) + "\"/></g>\n";
  for (double price = 1; price <= static_cast<double>(right_price); price *= 10) {
    svg += "<text x=\"" + Num(px(price)) + "\" y=\"" + Num(kTop + plot_h + 16) + "\" text-anchor=\"middle\">" +
           FormatDollars(static_cast<int64_t>(price)) + "</text>\n";
  }
  for (double d = d_min; d <= d_max; d += 1) {
    char label[32];
    std::snprintf(label, sizeof label, "1e%+.0f", d);
    svg += "<text x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(py(d) + 4) + "\" text-anchor=\"end\">" + label + "</text>\n";
  }
  svg += "<text x=\"" + Num(kLeft + plot_w / 2) + "\" y=\"" + Num(kHeight - 10) +
         "\" text-anchor=\"middle\">total price (log scale)</text>\n";
  svg += "<text x=\"14\" y=\"" + Num(kTop + plot_h / 2) + "\" transform=\"rotate(-90 14 " + Num(kTop + plot_h / 2) +
         ")\" text-anchor=\"middle\">offers per dollar</text>\n";

  // Partition boundaries (partition i starts at its price_min).
  svg += "<g stroke=\"#c0392b\" stroke-dasharray=\"4 3\">\n";
  for (const auto& p : plan.partitions) {
    if (p.id == 0) continue;
    const double x = px(static_cast<double>(p.price_min));
    svg += "<line class=\"boundary\" x1=\"" + Num(x) + "\" y1=\"" + Num(kTop) + "\" x2=\"" + Num(x) + "\" y2=\"" +
           Num(kTop + plot_h) + "\"><title>partition " + std::to_string(p.id) + " from " + FormatDollars(p.price_min) +
           ", " + FormatCount(p.expected_records) + " offers</title></line>\n";
  }
  svg += "</g>\n";
  return svg + "</svg>\n";
}

}  // namespace di::plan
