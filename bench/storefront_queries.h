// The searches bench_storefront runs: a random but repeatable mix of what a
// shop asks of `diamonds`, as store::StorefrontSearch (the statement itself is
// src/store/storefront.cpp's, the one storefront_test checks).
//
// Each draw is one of: a broad first page ("all active round, by price", 5%);
// a deep page, OFFSET 5000 (5%) or the 101st page by keyset (5%); a next page
// by keyset (20%); a first page (the rest). Filters: a feed (40% natural),
// shapes by popularity (65% one, 20% two or three, else any), a carat range in
// 85% (0.3 to 4 ct, 0.2 to 2 ct wide), runs of 2-4 colour and clarity grades,
// a price range around a budget in half, 15% dearest first.
// Not thread-safe: one SearchMix per thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "store/storefront.h"

namespace di::bench {

enum class PageKind { kFirst, kBroad, kNext, kOffset5000, kKeyset101 };
inline constexpr int kPageKinds = 5;
const char* PageKindName(PageKind kind);

struct Draw {
  store::StorefrontSearch search;  // for kNext / kKeyset101: the first page's search
  PageKind kind = PageKind::kFirst;
};

class SearchMix {
 public:
  explicit SearchMix(uint64_t seed) : rng_(seed) {}
  Draw Next();

 private:
  store::StorefrontSearch Filters();
  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  int Index(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::mt19937_64 rng_;
};

}  // namespace di::bench
