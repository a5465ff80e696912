// The vocabulary of simulated offers: shapes, colours, clarities, cuts,
// availability values, labs, and their generation weights. Constant tables;
// thread-safe. Indexes into these tables are what an Offer stores.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace di::sim::catalog {

struct Entry {
  std::string_view name;  // value served in JSON (empty = null)
  double weight;          // relative generation weight
};

// certificate.shape (upper case, as served) with natural-feed weights.
extern const Entry kShapes[10];
// certificate.fullShape, parallel to kShapes.
extern const std::string_view kFullShapes[10];
// Colour grades D..M, best first (ORDER color ASC = best first).
extern const Entry kColors[10];
// Clarity grades FL..I3, best first.
extern const Entry kClarities[11];
// Cut grades EX, VG, GD, F, P, then "" = null (sorts last ascending).
extern const Entry kCuts[6];
// availability values, as served: AVAILABLE, ON HOLD, HOLD, SOLD, MEMO.
extern const Entry kAvailability[5];
constexpr uint8_t kAvailabilityMemo = 4;
// Grading labs; lab-grown stones use the same table with other weights.
extern const Entry kLabs[4];

constexpr uint8_t kCutFair = 3;
constexpr uint8_t kCutPoor = 4;
constexpr uint8_t kCutNull = 5;

// Index of NAME in TABLE (case-insensitive), or nullopt.
std::optional<uint8_t> Find(const Entry* table, size_t size, std::string_view name);

}  // namespace di::sim::catalog
