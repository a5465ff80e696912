// ItemContent: deliberately bad item content for reliability tests, chosen per
// stone (deterministic from seed and stone number, so the dump, every page and
// every re-fetch agree). A bad offer is served without `price` or without
// `diamond.id` (a required field); a hostile offer serves kHostileText in every
// text field except the ids and updated_at. Plain values; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace di::sim {

struct ItemContent {
  double bad_offer_fraction = 0;     // --bad-offer-fraction
  double hostile_text_fraction = 0;  // --hostile-text-fraction
};

enum class StoneContent { kNormal, kNoPrice, kNoStoneId, kHostile };

// SQL injection, quotes, backslashes, tab/newline/CR (COPY escapes), non-ASCII
// UTF-8; no NUL; starts and ends with a non-space (text columns are trimmed).
inline constexpr std::string_view kHostileText =
    "x'); DROP TABLE diamonds; -- \"q\" \\N \\\\ \t|\n|\r| caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x92\x8e '' $1 %s E'\\x41' "
    "end";

// What STONE serves under CONTENT. Bad offers alternate between kNoPrice and
// kNoStoneId; a stone is never both bad and hostile.
StoneContent ContentOf(uint64_t seed, uint32_t stone, const ItemContent& content);

}  // namespace di::sim
