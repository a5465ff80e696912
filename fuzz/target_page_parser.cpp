// FuzzPageParser: the Nivoda response parsers on arbitrary bodies.
//
// Invariants when ParsePageResponse succeeds:
// - every offer has a non-empty stone id, a price >= 0, a raw_json that is an
//   exact slice of the body, starts with '{' and ends with '}', and its SHA-256;
// - every bad item has a reason and its raw text;
// - re-parsing a page made of the raw slices alone gives the same offers and
//   bad items (the stored payload means what the served item meant).
// ParseCountResponse succeeding gives a count >= 0; ParseTokenResponse a
// non-empty token.
#include <string>
#include <string_view>

#include "common/sha256.h"
#include "invariant.h"
#include "nivoda/response_parser.h"
#include "targets.h"

namespace di::fuzz {
namespace {

constexpr const char* kTarget = "page_parser";

std::string PageOf(const nivoda::Page& page) {
  // Items in served order are not kept across offers/bad items: the rebuilt
  // page lists the offers, then the bad items.
  std::string body = R"({"data":{"as":{"diamonds_by_query":{"items":[)";
  bool first = true;
  for (const auto& o : page.offers) {
    body += (first ? "" : ",") + o.raw_json;
    first = false;
  }
  for (const auto& b : page.bad_items) {
    body += (first ? "" : ",") + b.raw_json;
    first = false;
  }
  return body + "]}}}}";
}

}  // namespace

int FuzzPageParser(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  if (auto count = nivoda::ParseCountResponse(body); count.ok()) {
    DI_FUZZ_CHECK(kTarget, *count >= 0, "count is negative");
  }
  if (auto token = nivoda::ParseTokenResponse(body); token.ok()) {
    DI_FUZZ_CHECK(kTarget, !token->empty(), "empty token accepted");
  }
  (void)nivoda::ParseGraphQLErrors(body);

  Result<nivoda::Page> page = nivoda::ParsePageResponse(body);
  if (!page.ok()) {
    DI_FUZZ_CHECK(kTarget, !page.status().message().empty(), "error without a message");
    return 0;
  }
  for (const auto& o : page->offers) {
    DI_FUZZ_CHECK(kTarget, !o.stone_id.empty(), "offer without a stone id");
    DI_FUZZ_CHECK(kTarget, o.price_cents >= 0, "negative price");
    DI_FUZZ_CHECK(kTarget, o.raw_json.size() >= 2 && o.raw_json.front() == '{' && o.raw_json.back() == '}',
                  "offer raw_json is not an object's text: " + o.raw_json.substr(0, 80));
    DI_FUZZ_CHECK(kTarget, body.find(o.raw_json) != std::string_view::npos, "raw_json is not a slice of the body");
    DI_FUZZ_CHECK(kTarget, o.sha256_hex == Sha256Hex(o.raw_json), "sha256_hex is not the hash of raw_json");
  }
  for (const auto& b : page->bad_items) {
    DI_FUZZ_CHECK(kTarget, !b.reason.empty(), "bad item without a reason");
    DI_FUZZ_CHECK(kTarget, !b.raw_json.empty(), "bad item without its text");
    DI_FUZZ_CHECK(kTarget, body.find(b.raw_json) != std::string_view::npos, "bad item text is not a slice of the body");
  }

  Result<nivoda::Page> again = nivoda::ParsePageResponse(PageOf(*page));
  DI_FUZZ_CHECK(kTarget, again.ok(), "the raw slices do not re-parse: " + again.status().ToString());
  DI_FUZZ_CHECK(kTarget, again->offers.size() == page->offers.size(), "re-parse changed the offer count");
  DI_FUZZ_CHECK(kTarget, again->bad_items.size() == page->bad_items.size(), "re-parse changed the bad-item count");
  for (size_t i = 0; i < page->offers.size(); ++i) {
    const auto& a = page->offers[i];
    const auto& b = again->offers[i];
    DI_FUZZ_CHECK(kTarget,
                  a.stone_id == b.stone_id && a.offer_id == b.offer_id && a.price_cents == b.price_cents &&
                      a.updated_at == b.updated_at && a.raw_json == b.raw_json,
                  "re-parse changed offer " + std::to_string(i));
  }
  for (size_t i = 0; i < page->bad_items.size(); ++i) {
    DI_FUZZ_CHECK(kTarget,
                  page->bad_items[i].reason == again->bad_items[i].reason &&
                      page->bad_items[i].raw_json == again->bad_items[i].raw_json,
                  "re-parse changed bad item " + std::to_string(i));
  }
  return 0;
}

}  // namespace di::fuzz
