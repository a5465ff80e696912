// Page: the parsed answer of one diamonds_by_query call. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace di::nivoda {

// One offer as served.
struct Offer {
  std::string stone_id;  // diamond.id: the stable dedup key
  std::string offer_id;  // id (changes over time for the same stone); may be empty
  int64_t price_cents = 0;
  std::string updated_at;  // as served (ISO-8601); empty when absent or null
  std::string raw_json;    // the item's exact bytes in the response, '{' to '}'
  std::string sha256_hex;  // SHA-256 of raw_json, lower-case hex
};

// An item that cannot be stored: no diamond.id, or no usable price.
struct BadItem {
  std::string reason;
  std::string raw_json;  // the item's exact bytes, as for Offer
};

struct Page {
  std::vector<Offer> offers;
  std::vector<BadItem> bad_items;
  // diamonds_by_query_count of the page's query, when the request asked for it
  // (kPageCountQuery): the size of the result the page was cut from.
  std::optional<int64_t> count;
  // Every item's identity in the order served: diamond.id, or for an item
  // without one "bad:" + the SHA-256 of its bytes.
  std::vector<std::string> keys;

  // Items in the response (good and bad), in the order served.
  size_t item_count() const { return offers.size() + bad_items.size(); }
  // An empty items array: the end of the result set. A short page is NOT the end.
  bool end() const { return item_count() == 0; }
};

}  // namespace di::nivoda
