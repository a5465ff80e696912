#include "ingest/nivoda_offer_source.h"

namespace di::ingest {

nivoda::DiamondQuery NivodaOfferSource::Query(const Cell& cell, const std::optional<std::string>& changed_since) const {
  nivoda::DiamondQuery q = base_;
  q.dollar_value = nivoda::DollarRange{cell.from, cell.to};
  if (changed_since) {
    // Narrow (never widen) the window: from = the later of the two starts.
    std::string from = *changed_since;
    if (q.updated && q.updated->from > from) from = q.updated->from;
    q.updated = nivoda::TimeRange{from, q.updated ? q.updated->to : std::nullopt};
  }
  return q;
}

Result<nivoda::Page> NivodaOfferSource::FetchPage(const Cell& cell, int64_t offset, int limit,
                                                  const nivoda::Order& order,
                                                  const std::optional<std::string>& changed_since) {
  return client_.FetchPage(Query(cell, changed_since), offset, limit, order);
}

Result<int64_t> NivodaOfferSource::Count(const Cell& cell, const std::optional<std::string>& changed_since) {
  return client_.Count(Query(cell, changed_since));
}

}  // namespace di::ingest
