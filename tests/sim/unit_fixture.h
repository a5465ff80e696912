// A small in-process inventory for the simulator's unit tests.
#pragma once

#include <memory>

#include "sim/density.h"
#include "sim/generator.h"
#include "sim/inventory.h"

namespace di::sim::testing {

struct SmallInventory {
  explicit SmallInventory(uint32_t natural = 3000, uint32_t labgrown = 1500, uint64_t seed = 7) {
    Density d;
    d.timestamp = "2026-02-12T19:01:13.001Z";
    d.bands = {{0, 499, 100}, {500, 999, 90}, {1000, 1999, 80}, {2000, 9999, 60}, {10000, 249999, 20}};
    d.baseline = 357;  // 7 above the bands: the tail
    sampler = std::make_unique<PriceSampler>(d, 0.25);
    GeneratorOptions options;
    options.seed = seed;
    options.as_of_ms = 1770922873001;  // 2026-02-12T19:01:13.001Z
    generator = std::make_unique<OfferGenerator>(options, sampler.get());
    inventory = std::make_unique<Inventory>(generator.get(), natural, labgrown);
  }
  std::unique_ptr<PriceSampler> sampler;
  std::unique_ptr<OfferGenerator> generator;
  std::unique_ptr<Inventory> inventory;
};

}  // namespace di::sim::testing
