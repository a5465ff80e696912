#include "storefront_queries.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace di::bench {
namespace {

const std::vector<std::string> kShapes = {"ROUND",   "OVAL", "PRINCESS", "CUSHION",  "EMERALD",
                                          "RADIANT", "PEAR", "ASSCHER",  "MARQUISE", "HEART"};
const std::vector<std::string> kColors = {"D", "E", "F", "G", "H", "I", "J", "K", "L", "M"};
const std::vector<std::string> kClarities = {"FL", "IF", "VVS1", "VVS2", "VS1", "VS2", "SI1", "SI2", "I1"};
const std::vector<double> kCaratFrom = {0.3, 0.5, 0.5, 0.7, 0.7, 0.9, 1.0, 1.0, 1.0, 1.2, 1.5, 1.5, 2.0, 2.5, 3.0, 4.0};
const std::vector<double> kCaratWidth = {0.19, 0.29, 0.49, 0.99, 1.99};

}  // namespace

const char* PageKindName(PageKind kind) {
  switch (kind) {
    case PageKind::kFirst: return "first pages";
    case PageKind::kBroad: return "all active round, page 1";
    case PageKind::kNext: return "next page (keyset)";
    case PageKind::kOffset5000: return "OFFSET 5000";
    case PageKind::kKeyset101: return "page 101 (keyset)";
  }
  return "?";
}

store::StorefrontSearch SearchMix::Filters() {
  store::StorefrontSearch s;
  s.feed = Uniform() < 0.4 ? "natural" : "labgrown";
  const double shape_draw = Uniform();
  if (shape_draw < 0.65) {
    s.shapes = {Uniform() < 0.5 ? kShapes[0] : kShapes[1 + Index(9)]};
  } else if (shape_draw < 0.85) {
    const int n = 2 + Index(2);
    for (int i = 0; i < n; ++i) s.shapes.push_back(kShapes[(i == 0 ? 0 : 1) + Index(9)]);
  }
  if (Uniform() < 0.85) {
    const double from = kCaratFrom[Index(static_cast<int>(kCaratFrom.size()))];
    s.carats = {{from, from + kCaratWidth[Index(static_cast<int>(kCaratWidth.size()))]}};
  }
  if (Uniform() < 0.7) {
    const int first = Index(6), n = 2 + Index(3);
    s.colors.assign(kColors.begin() + first, kColors.begin() + first + n);
  }
  if (Uniform() < 0.6) {
    const int first = Index(7), n = 2 + Index(3);
    s.clarities.assign(kClarities.begin() + first, kClarities.begin() + std::min<int>(first + n, 9));
  }
  if (Uniform() < 0.5) {
    // A budget, log-uniform: $300..$50,000 natural, $100..$10,000 lab-grown; +-30%.
    const double lo = s.feed == "natural" ? std::log(300.0) : std::log(100.0);
    const double hi = s.feed == "natural" ? std::log(50000.0) : std::log(10000.0);
    const double budget = std::exp(lo + (hi - lo) * Uniform()) * 100;
    s.price_cents = {{static_cast<int64_t>(budget * 0.7), static_cast<int64_t>(budget * 1.3)}};
  }
  s.descending = Uniform() < 0.15;
  return s;
}

Draw SearchMix::Next() {
  Draw d;
  const double kind = Uniform();
  d.search = Filters();
  if (kind < 0.05) {
    d.kind = PageKind::kBroad;
    d.search = store::StorefrontSearch{};
    d.search.feed = Uniform() < 0.4 ? "natural" : "labgrown";
    d.search.shapes = {"ROUND"};
  } else if (kind < 0.10) {
    d.kind = PageKind::kOffset5000;
    d.search.offset = 5000;
  } else if (kind < 0.15) {
    d.kind = PageKind::kKeyset101;
  } else if (kind < 0.35) {
    d.kind = PageKind::kNext;
  }
  return d;
}

}  // namespace di::bench
