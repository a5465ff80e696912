#include "sim/density.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace di::sim {

Result<Density> ParseDensity(const std::string& json_text) {
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status(Code::kInvalidArgument, "density: not a JSON object");
  Density density;
  if (doc.contains("timestamp") && doc["timestamp"].is_string()) density.timestamp = doc["timestamp"];
  auto bands = doc.find("dollar_value");
  if (bands == doc.end() || !bands->is_array() || bands->empty()) {
    return Status(Code::kInvalidArgument, "density: missing or empty dollar_value array");
  }
  int64_t sum = 0;
  for (const auto& band : *bands) {
    if (!band.is_object() || !band.contains("from") || !band.contains("to") || !band.contains("count") ||
        !band["from"].is_number_integer() || !band["to"].is_number_integer() || !band["count"].is_number_integer()) {
      return Status(Code::kInvalidArgument, "density: each band needs integer from, to, count");
    }
    DensityBand b{band["from"].get<int64_t>(), band["to"].get<int64_t>(), band["count"].get<int64_t>()};
    if (b.from < 0 || b.to < b.from || b.count < 0) {
      return Status(Code::kInvalidArgument, "density: band with from < 0, to < from or count < 0");
    }
    sum += b.count;
    density.bands.push_back(b);
  }
  if (sum == 0) return Status(Code::kInvalidArgument, "density: all band counts are zero");
  density.baseline = sum;
  if (doc.contains("baseline") && doc["baseline"].is_number_integer()) {
    density.baseline = std::max(sum, doc["baseline"].get<int64_t>());
  }
  return density;
}

Result<Density> LoadDensity(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(Code::kNotFound, "density: cannot open " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ParseDensity(text.str());
  if (!parsed.ok()) return Status(parsed.status().code(), parsed.status().message() + " (" + path + ")");
  return parsed;
}

PriceSampler::PriceSampler(const Density& density, double whole_dollar_fraction)
    : bands_(density.bands), whole_dollar_fraction_(whole_dollar_fraction) {
  double total = 0;
  for (const auto& band : bands_) {
    total += static_cast<double>(band.count);
    cumulative_.push_back(total);
    tail_from_ = std::max(tail_from_, band.to + 1);
  }
  tail_fraction_ = static_cast<double>(density.baseline) > total
                       ? (static_cast<double>(density.baseline) - total) / static_cast<double>(density.baseline)
                       : 0.0;
}

int64_t PriceSampler::SampleCents(Rng& rng) const {
  int64_t dollars;
  if (tail_fraction_ > 0 && rng.Chance(tail_fraction_)) {
    double u = std::max(rng.Uniform(), 1e-12);
    double value = static_cast<double>(tail_from_) * std::pow(u, -1.0 / 1.3);
    dollars = static_cast<int64_t>(std::min(value, 20'000'000.0));
  } else {
    const DensityBand& band = bands_[rng.PickWeighted(cumulative_)];
    dollars = rng.Range(band.from, band.to);
  }
  int64_t cents = rng.Chance(whole_dollar_fraction_) ? 0 : rng.Range(1, 99);
  return std::max<int64_t>(100, dollars * 100 + cents);
}

}  // namespace di::sim
