#include "sim/inventory.h"

#include <algorithm>
#include <mutex>
#include <thread>

namespace di::sim {

Inventory::Inventory(const OfferGenerator* generator, uint32_t natural, uint32_t labgrown) : generator_(generator) {
  uint32_t total = natural + labgrown;
  offers_.resize(total);
  // Generation is per stone and independent: split it over the cores.
  unsigned threads = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (uint32_t s = t; s < total; s += threads) offers_[s] = generator_->Initial(s, s >= natural, s);
    });
  }
  for (auto& w : workers) w.join();
  for (uint32_t s = 0; s < total; ++s) {
    int feed = offers_[s].labgrown() ? 1 : 0;
    price_index_[feed].push_back({offers_[s].price_cents, s});
    updated_index_[feed].push_back({offers_[s].updated_at_ms, s});
    ++live_[feed];
  }
  for (auto& index : price_index_) std::sort(index.begin(), index.end());
  for (auto& index : updated_index_) std::sort(index.begin(), index.end());
  next_stone_ = total;
  next_insert_ = total;
}

int64_t Inventory::LiveCount(bool labgrown) const {
  std::shared_lock lock(mu_);
  return live_[labgrown ? 1 : 0];
}

int64_t Inventory::Count(const DiamondQuery& q) const {
  std::shared_lock lock(mu_);
  return CountLocked(q);
}

int64_t Inventory::CountLocked(const DiamondQuery& q) const {
  if (q.PriceOnly()) {
    int64_t n = 0;
    for (int feed = 0; feed < 2; ++feed) {
      if (q.labgrown && *q.labgrown != (feed == 1)) continue;
      if (!q.price_cents || q.price_cents->ignored) {
        n += live_[feed];
        continue;
      }
      const auto& index = price_index_[feed];
      auto lo = std::lower_bound(index.begin(), index.end(), IndexEntry{q.price_cents->lo, 0});
      auto hi = std::upper_bound(index.begin(), index.end(), IndexEntry{q.price_cents->hi, UINT32_MAX});
      n += hi - lo;
    }
    return n;
  }
  int64_t n = 0;
  ForEachCandidate(q, [&](uint32_t pos, bool known) {
    const Offer& o = offers_[pos];
    n += known || (!o.removed() && q.Matches(o));
  });
  return n;
}

// Calls VISIT(pos, known_match) for every position that may match Q: the range
// of the price index when Q filters the price, else of the `updated` index when
// it filters that, else every position. KNOWN_MATCH: the index range is the
// whole filter (no other check needed). REQUIRES: mu_ held.
template <typename Visit>
void Inventory::ForEachCandidate(const DiamondQuery& q, Visit visit) const {
  const bool by_price = q.price_cents && !q.price_cents->ignored;
  const bool by_updated = !by_price && q.updated_ms && !q.updated_ms->ignored;
  if (!by_price && !by_updated) {
    for (uint32_t pos = 0; pos < offers_.size(); ++pos) visit(pos, false);
    return;
  }
  const Bounds& b = by_price ? *q.price_cents : *q.updated_ms;
  const bool known = by_price && q.PriceOnly();
  for (int feed = 0; feed < 2; ++feed) {
    if (q.labgrown && *q.labgrown != (feed == 1)) continue;
    const auto& index = by_price ? price_index_[feed] : updated_index_[feed];
    auto lo = std::lower_bound(index.begin(), index.end(), IndexEntry{b.lo, 0});
    auto hi = std::upper_bound(index.begin(), index.end(), IndexEntry{b.hi, UINT32_MAX});
    for (auto it = lo; it != hi; ++it) visit(it->pos, known);
  }
}

// Positions of live offers matching Q. REQUIRES: mu_ held.
std::vector<uint32_t> Inventory::Candidates(const DiamondQuery& q) const {
  std::vector<uint32_t> out;
  ForEachCandidate(q, [&](uint32_t pos, bool known) {
    const Offer& o = offers_[pos];
    if (known || (!o.removed() && q.Matches(o))) out.push_back(pos);
  });
  return out;
}

namespace {

struct Keyed {
  int64_t key;
  uint64_t tie;
  uint32_t pos;
};

bool KeyedLess(const Keyed& a, const Keyed& b) { return a.key != b.key ? a.key < b.key : a.tie < b.tie; }

}  // namespace

// Price order over one feed's price range: the index is already sorted by
// price, so only the requested window (widened to whole groups of equal
// prices, whose order is salted) is touched. REQUIRES: mu_ held.
bool Inventory::PricePage(const DiamondQuery& q, const Order& order, int64_t offset, int64_t limit, uint64_t tie_salt,
                          PageResult* result) const {
  if (order.type != OrderType::kPrice || !q.PriceOnly() || !q.labgrown || !q.price_cents || q.price_cents->ignored) {
    return false;
  }
  const auto& index = price_index_[*q.labgrown ? 1 : 0];
  auto lo = std::lower_bound(index.begin(), index.end(), IndexEntry{q.price_cents->lo, 0});
  auto hi = std::upper_bound(index.begin(), index.end(), IndexEntry{q.price_cents->hi, UINT32_MAX});
  int64_t n = hi - lo;
  result->matched = n;
  if (offset >= n || limit <= 0) return true;
  int64_t want_end = std::min(n, offset + limit);
  bool desc = order.descending;
  int64_t a = desc ? n - want_end : offset;  // ascending window [a, b)
  int64_t b = desc ? n - offset : want_end;
  while (a > 0 && lo[a - 1].price_cents == lo[a].price_cents) --a;
  while (b < n && lo[b].price_cents == lo[b - 1].price_cents) ++b;
  std::vector<Keyed> group;
  group.reserve(static_cast<size_t>(b - a));
  for (int64_t i = a; i < b; ++i) {
    const IndexEntry& e = lo[i];
    group.push_back({desc ? -e.price_cents : e.price_cents, HashOf(tie_salt, offers_[e.pos].stone), e.pos});
  }
  std::sort(group.begin(), group.end(), KeyedLess);
  int64_t base = desc ? n - b : a;  // rank of group[0] in the requested order
  for (int64_t r = offset; r < want_end; ++r) result->offers.push_back(offers_[group[r - base].pos]);
  return true;
}

Inventory::PageResult Inventory::Page(const DiamondQuery& q, const Order& order, int64_t offset, int64_t limit,
                                      uint64_t tie_salt) const {
  std::shared_lock lock(mu_);
  return PageLocked(q, order, offset, limit, tie_salt);
}

std::shared_lock<std::shared_mutex> Inventory::ReadLock() const { return std::shared_lock(mu_); }

Inventory::PageResult Inventory::PageLocked(const DiamondQuery& q, const Order& order, int64_t offset, int64_t limit,
                                            uint64_t tie_salt) const {
  PageResult result;
  if (PricePage(q, order, offset, limit, tie_salt, &result)) return result;
  // One pass over the candidates: filter and key together (one memory access each).
  std::vector<Keyed> keyed;
  bool none = order.type == OrderType::kNone;
  auto consider = [&](uint32_t pos, bool known_match) {
    const Offer& o = offers_[pos];
    if (!known_match && (o.removed() || !q.Matches(o))) return;
    int64_t key = none ? pos : OrderKey(order.type, o);
    keyed.push_back({order.descending && !none ? -key : key, none ? 0 : HashOf(tie_salt, o.stone), pos});
  };
  ForEachCandidate(q, consider);
  int64_t n = static_cast<int64_t>(keyed.size());
  result.matched = n;
  if (offset >= n || limit <= 0) return result;
  int64_t end = std::min(n, offset + limit);
  // The window only: everything before OFFSET is moved in front (unsorted),
  // then the next LIMIT are sorted: linear in the candidates however deep.
  if (offset > 0) std::nth_element(keyed.begin(), keyed.begin() + offset, keyed.end(), KeyedLess);
  std::partial_sort(keyed.begin() + offset, keyed.begin() + end, keyed.end(), KeyedLess);
  for (int64_t i = offset; i < end; ++i) result.offers.push_back(offers_[keyed[i].pos]);
  return result;
}

std::vector<Offer> Inventory::Snapshot() const {
  std::shared_lock lock(mu_);
  std::vector<Offer> out;
  out.reserve(static_cast<size_t>(live_[0] + live_[1]));
  for (const Offer& o : offers_) {
    if (!o.removed()) out.push_back(o);
  }
  std::sort(out.begin(), out.end(), [](const Offer& a, const Offer& b) { return a.stone < b.stone; });
  return out;
}

int64_t Inventory::PickLive(Rng& rng) const {
  if (live_[0] + live_[1] == 0) return -1;
  for (int attempt = 0; attempt < 64; ++attempt) {
    uint32_t pos = static_cast<uint32_t>(rng.Next() % offers_.size());
    if (!offers_[pos].removed()) return pos;
  }
  for (uint32_t pos = 0; pos < offers_.size(); ++pos) {
    if (!offers_[pos].removed()) return pos;
  }
  return -1;
}

void Inventory::RebuildIndexFor(const std::vector<uint32_t>& dirty_input) {
  std::vector<uint32_t> dirty = dirty_input;
  std::sort(dirty.begin(), dirty.end());
  dirty.erase(std::unique(dirty.begin(), dirty.end()), dirty.end());
  for (int feed = 0; feed < 2; ++feed) {
    for (bool by_price : {true, false}) {
      auto& index = by_price ? price_index_[feed] : updated_index_[feed];
      std::erase_if(index, [&](const IndexEntry& e) { return std::binary_search(dirty.begin(), dirty.end(), e.pos); });
      size_t old_size = index.size();
      for (uint32_t pos : dirty) {
        const Offer& o = offers_[pos];
        if (!o.removed() && o.labgrown() == (feed == 1)) {
          index.push_back({by_price ? o.price_cents : o.updated_at_ms, pos});
        }
      }
      std::sort(index.begin() + static_cast<std::ptrdiff_t>(old_size), index.end());
      std::inplace_merge(index.begin(), index.begin() + static_cast<std::ptrdiff_t>(old_size), index.end());
    }
  }
}

ChurnCounts Inventory::Mutate(const ChurnCounts& counts, Rng& rng, int64_t now_ms) {
  std::unique_lock lock(mu_);
  ChurnCounts done;
  std::vector<uint32_t> dirty;
  for (int64_t i = 0; i < counts.reprice; ++i) {
    int64_t pos = PickLive(rng);
    if (pos < 0) break;
    generator_->Reprice(&offers_[pos], rng, now_ms);
    dirty.push_back(static_cast<uint32_t>(pos));
    ++done.reprice;
  }
  for (int64_t i = 0; i < counts.payload; ++i) {
    int64_t pos = PickLive(rng);
    if (pos < 0) break;
    generator_->ChangePayload(&offers_[pos], rng, now_ms);
    dirty.push_back(static_cast<uint32_t>(pos));  // updated_at moved
    ++done.payload;
  }
  for (int64_t i = 0; i < counts.remove; ++i) {
    int64_t pos = PickLive(rng);
    if (pos < 0) break;
    Offer& o = offers_[pos];
    o.flags |= kRemoved;
    --live_[o.labgrown() ? 1 : 0];
    dirty.push_back(static_cast<uint32_t>(pos));
    ++done.remove;
  }
  int64_t total_live = live_[0] + live_[1];
  for (int64_t i = 0; i < counts.add; ++i) {
    // New stones join a feed in proportion to its size (natural when empty).
    bool labgrown = total_live > 0 && rng.Uniform() * static_cast<double>(total_live) >= static_cast<double>(live_[0]);
    offers_.push_back(generator_->Added(next_stone_++, labgrown, next_insert_++, now_ms));
    ++live_[labgrown ? 1 : 0];
    dirty.push_back(static_cast<uint32_t>(offers_.size() - 1));
    ++done.add;
  }
  if (!dirty.empty()) RebuildIndexFor(dirty);
  return done;
}

}  // namespace di::sim
