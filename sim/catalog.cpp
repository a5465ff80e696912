#include "sim/catalog.h"

#include "common/strings.h"

namespace di::sim::catalog {

const Entry kShapes[10] = {{"ROUND", 55}, {"OVAL", 9},    {"CUSHION", 7},  {"PRINCESS", 6}, {"EMERALD", 6},
                           {"PEAR", 5},   {"RADIANT", 4}, {"MARQUISE", 3}, {"ASSCHER", 2},  {"HEART", 3}};
const std::string_view kFullShapes[10] = {"Round Brilliant",
                                          "Oval Brilliant",
                                          "Cushion Modified Brilliant",
                                          "Princess Cut",
                                          "Emerald Cut",
                                          "Pear Brilliant",
                                          "Cut-Cornered Rectangular Modified Brilliant",
                                          "Marquise Brilliant",
                                          "Square Emerald Cut",
                                          "Heart Brilliant"};
const Entry kColors[10] = {{"D", 7},  {"E", 11}, {"F", 14}, {"G", 16}, {"H", 15},
                           {"I", 12}, {"J", 10}, {"K", 7},  {"L", 4},  {"M", 4}};
const Entry kClarities[11] = {{"FL", 0.3}, {"IF", 2},   {"VVS1", 6}, {"VVS2", 9}, {"VS1", 15}, {"VS2", 18},
                              {"SI1", 20}, {"SI2", 15}, {"I1", 9},   {"I2", 4},   {"I3", 1.7}};
const Entry kCuts[6] = {{"EX", 45}, {"VG", 22}, {"GD", 10}, {"F", 3}, {"P", 1}, {"", 19}};
const Entry kAvailability[5] = {{"AVAILABLE", 85}, {"ON HOLD", 4}, {"HOLD", 3}, {"SOLD", 2}, {"MEMO", 6}};
const Entry kLabs[4] = {{"GIA", 70}, {"IGI", 18}, {"HRD", 7}, {"GCAL", 5}};

std::optional<uint8_t> Find(const Entry* table, size_t size, std::string_view name) {
  for (size_t i = 0; i < size; ++i) {
    std::string_view candidate = table[i].name;
    if (!candidate.empty() && EqualsIgnoreCase(candidate, name)) return static_cast<uint8_t>(i);
  }
  return std::nullopt;
}

}  // namespace di::sim::catalog
