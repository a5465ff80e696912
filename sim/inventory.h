// Inventory: every simulated offer of both feeds, with a sorted price index and a
// sorted `updated_at` index per feed, so price-range counts are two binary
// searches and `updated` windows touch only the offers inside them. Reads (Count, Page,
// Snapshot) take a shared lock and may run concurrently; churn (Mutate) takes
// it exclusively. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "sim/diamond_query.h"
#include "sim/generator.h"
#include "sim/offer.h"
#include "sim/order.h"
#include "sim/rng.h"

namespace di::sim {

// Changes to apply in one churn batch (numbers of offers).
struct ChurnCounts {
  int64_t reprice = 0;
  int64_t payload = 0;
  int64_t add = 0;
  int64_t remove = 0;
};

class Inventory {
 public:
  // Builds NATURAL natural and LABGROWN lab-grown offers from GENERATOR
  // (stones 0..natural-1 are natural, the next ones lab-grown).
  // REQUIRES: generator outlives the inventory.
  Inventory(const OfferGenerator* generator, uint32_t natural, uint32_t labgrown);

  // Number of live offers matching QUERY.
  int64_t Count(const DiamondQuery& query) const;
  // Copies of the live offers at [offset, offset+limit) of the matching offers
  // sorted by ORDER; equal keys are ordered by a hash salted with TIE_SALT.
  // Order `none` is storage order (stable between calls, shifted by churn).
  struct PageResult {
    std::vector<Offer> offers;
    int64_t matched = 0;  // number of live offers matching the query
  };
  PageResult Page(const DiamondQuery& query, const Order& order, int64_t offset, int64_t limit,
                  uint64_t tie_salt) const;
  // The read lock, for several reads from one state (CountLocked, PageLocked);
  // the Locked variants REQUIRE it held by the caller.
  std::shared_lock<std::shared_mutex> ReadLock() const;
  int64_t CountLocked(const DiamondQuery& query) const;
  PageResult PageLocked(const DiamondQuery& query, const Order& order, int64_t offset, int64_t limit,
                        uint64_t tie_salt) const;
  // Copies of every live offer, in stone order.
  std::vector<Offer> Snapshot() const;
  int64_t LiveCount(bool labgrown) const;

  // Applies one churn batch at NOW_MS; returns what was actually done (fewer
  // when the inventory is too small). Offers picked from RNG.
  ChurnCounts Mutate(const ChurnCounts& counts, Rng& rng, int64_t now_ms);

  const OfferGenerator& generator() const { return *generator_; }

 private:
  struct IndexEntry {
    int64_t price_cents;
    uint32_t pos;
    bool operator<(const IndexEntry& o) const {
      return price_cents != o.price_cents ? price_cents < o.price_cents : pos < o.pos;
    }
  };
  template <typename Visit>
  void ForEachCandidate(const DiamondQuery& query, Visit visit) const;
  std::vector<uint32_t> Candidates(const DiamondQuery& query) const;
  bool PricePage(const DiamondQuery& query, const Order& order, int64_t offset, int64_t limit, uint64_t tie_salt,
                 PageResult* result) const;
  int64_t PickLive(Rng& rng) const;  // -1 when none
  void RebuildIndexFor(const std::vector<uint32_t>& dirty_positions);

  const OfferGenerator* generator_;
  mutable std::shared_mutex mu_;
  std::vector<Offer> offers_;                 // by position; removed offers stay as tombstones
  std::vector<IndexEntry> price_index_[2];    // [labgrown], live offers only
  std::vector<IndexEntry> updated_index_[2];  // by updated_at_ms (in the price_cents field), [labgrown], live only
  int64_t live_[2] = {0, 0};
  uint32_t next_stone_ = 0;
  uint32_t next_insert_ = 0;
};

}  // namespace di::sim
