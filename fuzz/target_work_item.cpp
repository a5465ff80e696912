// FuzzWorkItemDecoder: the queue message decoders on arbitrary bodies.
//
// Invariants when DecodeWorkItem succeeds (the validation its handlers rely on):
// - runId has 1..100 characters of [A-Za-z0-9-_:.]; feed is natural|labgrown;
// - partitionId is 0..100000, or kSweepPartition exactly when sweep;
// - 0 <= priceMin <= priceMax (when given); expectedRecords >= 0;
// - an incremental item has updatedFrom; time fields are one token (an
//   ISO-8601 time has no whitespace or control characters);
// - Encode then Decode gives the same item (force only matters on a sweep and
//   is only encoded there), and encoding is a fixpoint.
// Same round trip for DecodeConsolidate.
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "invariant.h"
#include "queue/messages.h"
#include "targets.h"

namespace di::fuzz {
namespace {

constexpr const char* kTarget = "work_item";

bool ValidRunId(const std::string& id) {
  if (id.empty() || id.size() > 100) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' || c == '.')) return false;
  }
  return true;
}

// An ISO-8601 time is one token: no whitespace, no control characters.
bool OneToken(const std::optional<std::string>& t) {
  if (!t) return true;
  for (char c : *t) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

bool SameItem(const queue::WorkItem& a, const queue::WorkItem& b) {
  return a.run_id == b.run_id && a.partition_id == b.partition_id && a.feed == b.feed && a.price_min == b.price_min &&
         a.price_max == b.price_max && a.expected_records == b.expected_records &&
         a.is_incremental == b.is_incremental && a.watermark_before == b.watermark_before &&
         a.updated_from == b.updated_from && a.updated_to == b.updated_to && a.sweep == b.sweep &&
         (!a.sweep || a.force == b.force);
}

int CheckWorkItem(std::string_view body) {
  Result<queue::WorkItem> item = queue::DecodeWorkItem(body);
  if (!item.ok()) {
    DI_FUZZ_CHECK(kTarget, item.status().code() == Code::kInvalidArgument, "rejection is not kInvalidArgument");
    DI_FUZZ_CHECK(kTarget, !item.status().message().empty(), "rejection without a reason");
    return 0;
  }
  const queue::WorkItem& w = *item;
  DI_FUZZ_CHECK(kTarget, ValidRunId(w.run_id), "runId accepted outside the allowed characters/length");
  DI_FUZZ_CHECK(kTarget, w.feed == "natural" || w.feed == "labgrown", "unknown feed accepted");
  DI_FUZZ_CHECK(kTarget,
                w.sweep ? w.partition_id == queue::kSweepPartition : (w.partition_id >= 0 && w.partition_id <= 100000),
                "partitionId out of range");
  DI_FUZZ_CHECK(kTarget, w.price_min >= 0, "negative priceMin");
  DI_FUZZ_CHECK(kTarget, !w.price_max || *w.price_max >= w.price_min, "inverted price range");
  DI_FUZZ_CHECK(kTarget, w.expected_records >= 0, "negative expectedRecords");
  DI_FUZZ_CHECK(kTarget, !w.is_incremental || w.updated_from.has_value(), "incremental without updatedFrom");
  DI_FUZZ_CHECK(kTarget, !w.updated_to.empty(), "empty updatedTo");
  DI_FUZZ_CHECK(kTarget, OneToken(w.updated_to) && OneToken(w.updated_from) && OneToken(w.watermark_before),
                "a time field accepted with whitespace or control characters in it");

  const std::string encoded = queue::EncodeWorkItem(w);
  Result<queue::WorkItem> back = queue::DecodeWorkItem(encoded);
  DI_FUZZ_CHECK(kTarget, back.ok(), "re-encoded item rejected: " + back.status().ToString());
  DI_FUZZ_CHECK(kTarget, SameItem(w, *back), "round trip changed the item: " + encoded);
  DI_FUZZ_CHECK(kTarget, queue::EncodeWorkItem(*back) == encoded, "encoding is not a fixpoint");
  return 0;
}

int CheckConsolidate(std::string_view body) {
  Result<queue::ConsolidateRequest> request = queue::DecodeConsolidate(body);
  if (!request.ok()) {
    DI_FUZZ_CHECK(kTarget, request.status().code() == Code::kInvalidArgument, "rejection is not kInvalidArgument");
    return 0;
  }
  DI_FUZZ_CHECK(kTarget, ValidRunId(request->run_id), "consolidate runId outside the allowed characters");
  const std::string encoded = queue::EncodeConsolidate(*request);
  Result<queue::ConsolidateRequest> back = queue::DecodeConsolidate(encoded);
  DI_FUZZ_CHECK(kTarget, back.ok(), "re-encoded consolidate request rejected");
  DI_FUZZ_CHECK(kTarget, back->run_id == request->run_id && back->force == request->force,
                "consolidate round trip changed the request");
  return 0;
}

}  // namespace

int FuzzWorkItemDecoder(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  CheckWorkItem(body);
  CheckConsolidate(body);
  return 0;
}

}  // namespace di::fuzz
