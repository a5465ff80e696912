#include "nivoda/response_parser.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <memory>
#include <mutex>
#include <vector>

#include "common/sha256.h"

namespace di::nivoda {
namespace {

using simdjson::dom::element;

// simdjson needs SIMDJSON_PADDING readable bytes after the input: the body is
// copied into the state's buffer with that slack.
struct ParserState {
  std::string buffer;
  simdjson::dom::parser dom;
  simdjson::ondemand::parser ondemand;
};

// The parsers are shared by the process's threads, not one per thread: each
// keeps buffers sized to the largest body it parsed (about 1.7 MB for a page of
// 50 offers), and one per request thread of a worker (48 then) held 83 MB. A parse
// takes well under a millisecond, so a few states serve every thread; a
// parse beyond them gets a state of its own, freed after it.
class StateLease {
 public:
  StateLease() {
    std::lock_guard<std::mutex> lock(mu());
    if (!idle().empty()) {
      state_ = std::move(idle().back());
      idle().pop_back();
    }
    if (!state_) state_ = std::make_unique<ParserState>();
  }
  ~StateLease() {
    std::lock_guard<std::mutex> lock(mu());
    if (idle().size() < kKept) idle().push_back(std::move(state_));
  }
  StateLease(const StateLease&) = delete;
  StateLease& operator=(const StateLease&) = delete;
  ParserState& operator*() { return *state_; }

 private:
  static constexpr size_t kKept = 4;
  static std::mutex& mu() {
    static std::mutex m;
    return m;
  }
  static std::vector<std::unique_ptr<ParserState>>& idle() {
    static auto* states = new std::vector<std::unique_ptr<ParserState>>();  // never destroyed: threads may outlive main
    return *states;
  }
  std::unique_ptr<ParserState> state_;
};

// Returns the copy of BODY, followed in the buffer by SIMDJSON_PADDING zero bytes.
std::string_view Pad(ParserState& state, std::string_view body) {
  state.buffer.assign(body.data(), body.size());
  state.buffer.append(simdjson::SIMDJSON_PADDING, '\0');
  return std::string_view(state.buffer.data(), body.size());
}

Status Corrupt(std::string what) { return Status(Code::kCorrupt, std::move(what)); }

// Parses BODY (DOM, fully validating) and checks for GraphQL errors.
// PADDED receives the padded copy. CLASSIFY turns a non-empty errors array into a Status.
using Classifier = Status (*)(const std::vector<GraphQLError>&);
Result<element> ParseChecked(ParserState& state, std::string_view body, std::string_view* padded_out,
                             Classifier classify = &ClassifyGraphQLErrors) {
  std::string_view padded = Pad(state, body);
  *padded_out = padded;
  element root;
  if (auto error = state.dom.parse(padded.data(), padded.size(), false).get(root)) {
    return Corrupt(std::string("response is not valid JSON: ") + simdjson::error_message(error));
  }
  if (!root.is_object()) return Corrupt("response is not a JSON object");
  element errors;
  if (!root["errors"].get(errors) && !errors.is_null()) {
    simdjson::dom::array list;
    if (errors.get_array().get(list)) return Corrupt("response `errors` is not an array");
    std::vector<GraphQLError> parsed;
    for (element e : list) {
      GraphQLError out;
      std::string_view text;
      if (!e["message"].get_string().get(text)) out.message = std::string(text);
      if (!e["extensions"]["code"].get_string().get(text)) out.code = std::string(text);
      parsed.push_back(std::move(out));
    }
    if (!parsed.empty()) return classify(parsed);
  }
  return root;
}

Result<element> AtPath(element root, std::string_view pointer) {
  element out;
  if (root.at_pointer(pointer).get(out) || out.is_null()) {
    return Corrupt(std::string("response has no ") + std::string(pointer));
  }
  return out;
}

// The exact text of every element of the items array, from the on-demand parser.
// REQUIRES: PADDED is the view Pad() returned.
Status RawItems(ParserState& state, std::string_view padded, std::vector<std::string_view>* out) {
  simdjson::padded_string_view input(padded.data(), padded.size(), state.buffer.size());
  simdjson::ondemand::document doc;
  if (state.ondemand.iterate(input).get(doc)) return Corrupt("response is not valid JSON");
  simdjson::ondemand::array items;
  if (doc.at_pointer("/data/as/diamonds_by_query/items").get_array().get(items)) {
    return Corrupt("response has no items array");
  }
  for (auto item : items) {
    simdjson::ondemand::value value;
    if (item.get(value)) return Corrupt("malformed items array");
    simdjson::ondemand::json_type type;
    if (value.type().get(type)) return Corrupt("malformed item");
    std::string_view raw;
    simdjson::error_code error = simdjson::SUCCESS;
    if (type == simdjson::ondemand::json_type::object) {
      simdjson::ondemand::object object;
      error = value.get_object().get(object);
      if (!error) error = object.raw_json().get(raw);
    } else if (type == simdjson::ondemand::json_type::array) {
      simdjson::ondemand::array array;
      error = value.get_array().get(array);
      if (!error) error = array.raw_json().get(raw);
    } else {
      raw = value.raw_json_token();
    }
    if (error) return Corrupt("malformed item");
    // raw_json() runs up to the next structural character: drop the whitespace.
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
      raw.remove_suffix(1);
    }
    out->push_back(raw);
  }
  return Status::Ok();
}

bool ParsePriceCents(element price, int64_t* out) {
  int64_t i;
  if (!price.get_int64().get(i)) {
    *out = i;
    return i >= 0;
  }
  double d;
  if (!price.get_double().get(d)) {
    if (!std::isfinite(d) || d < 0 || d > 9.0e15 || d != std::floor(d)) return false;
    *out = static_cast<int64_t>(d);
    return true;
  }
  std::string_view s;
  if (!price.get_string().get(s)) {
    if (s.empty()) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
    if (ec != std::errc() || end != s.data() + s.size() || i < 0) return false;
    *out = i;
    return true;
  }
  return false;
}

// A string, or an integer's decimal text; empty otherwise.
std::string IdText(simdjson::simdjson_result<element> value) {
  std::string_view s;
  if (!value.get_string().get(s)) return std::string(s);
  int64_t i;
  if (!value.get_int64().get(i)) return std::to_string(i);
  uint64_t u;
  if (!value.get_uint64().get(u)) return std::to_string(u);
  return {};
}

void AddItem(element item, std::string_view raw, Page* page) {
  Offer offer;
  if (item.is_object()) offer.stone_id = IdText(item["diamond"]["id"]);
  page->keys.push_back(offer.stone_id.empty() ? "bad:" + Sha256Hex(raw) : offer.stone_id);
  auto bad = [&](std::string reason) { page->bad_items.push_back(BadItem{std::move(reason), std::string(raw)}); };
  if (!item.is_object()) return bad("item is not an object");
  if (offer.stone_id.empty()) return bad("missing diamond.id");
  element price;
  if (item["price"].get(price)) return bad("missing price");
  if (!ParsePriceCents(price, &offer.price_cents)) {
    return bad("malformed price: " + simdjson::minify(price).substr(0, 64));
  }
  offer.offer_id = IdText(item["id"]);
  std::string_view updated;
  if (!item["updated_at"].get_string().get(updated)) offer.updated_at = std::string(updated);
  offer.raw_json = std::string(raw);
  offer.sha256_hex = Sha256Hex(raw);
  page->offers.push_back(std::move(offer));
}

}  // namespace

Result<std::string> ParseTokenResponse(std::string_view body) {
  StateLease lease;
  ParserState& state = *lease;
  std::string_view padded;
  DI_ASSIGN_OR_RETURN(element root, ParseChecked(state, body, &padded, &ClassifyAuthenticateErrors));
  DI_ASSIGN_OR_RETURN(element token, AtPath(root, "/data/authenticate/username_and_password/token"));
  std::string_view text;
  if (token.get_string().get(text) || text.empty()) return Corrupt("token is not a non-empty string");
  return std::string(text);
}

Result<int64_t> ParseCountResponse(std::string_view body) {
  StateLease lease;
  ParserState& state = *lease;
  std::string_view padded;
  DI_ASSIGN_OR_RETURN(element root, ParseChecked(state, body, &padded));
  DI_ASSIGN_OR_RETURN(element count, AtPath(root, "/data/as/diamonds_by_query_count"));
  int64_t value;
  if (count.get_int64().get(value) || value < 0) return Corrupt("count is not an integer >= 0");
  return value;
}

Result<Page> ParsePageResponse(std::string_view body) {
  StateLease lease;
  ParserState& state = *lease;
  std::string_view padded;
  DI_ASSIGN_OR_RETURN(element root, ParseChecked(state, body, &padded));
  DI_ASSIGN_OR_RETURN(element items_element, AtPath(root, "/data/as/diamonds_by_query/items"));
  simdjson::dom::array items;
  if (items_element.get_array().get(items)) return Corrupt("items is not an array");
  std::vector<std::string_view> raw;
  raw.reserve(items.size());
  DI_RETURN_IF_ERROR(RawItems(state, padded, &raw));
  if (raw.size() != items.size()) return Corrupt("items array read inconsistently");
  Page page;
  element count;
  if (!root.at_pointer("/data/as/diamonds_by_query_count").get(count) && !count.is_null()) {
    int64_t value;
    if (count.get_int64().get(value) || value < 0) return Corrupt("count is not an integer >= 0");
    page.count = value;
  }
  page.offers.reserve(raw.size());
  size_t i = 0;
  for (element item : items) AddItem(item, raw[i++], &page);
  return page;
}

std::vector<GraphQLError> ParseGraphQLErrors(std::string_view body) {
  StateLease lease;
  ParserState& state = *lease;
  std::string_view padded = Pad(state, body);
  element root;
  std::vector<GraphQLError> out;
  simdjson::dom::array list;
  if (state.dom.parse(padded.data(), padded.size(), false).get(root) || root["errors"].get_array().get(list)) {
    return out;
  }
  for (element e : list) {
    GraphQLError error;
    std::string_view text;
    if (!e["message"].get_string().get(text)) error.message = std::string(text);
    if (!e["extensions"]["code"].get_string().get(text)) error.code = std::string(text);
    out.push_back(std::move(error));
  }
  return out;
}

}  // namespace di::nivoda
