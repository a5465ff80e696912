#include "ingest/nivoda_offer_source.h"

namespace di::ingest {

Result<nivoda::Page> NivodaOfferSource::FetchPage(const Cell& cell, int64_t offset, int limit,
                                                  const nivoda::Order& order) {
  nivoda::DiamondQuery q = base_;
  q.dollar_value = nivoda::DollarRange{cell.from, cell.to};
  return client_.FetchPage(q, offset, limit, order, /*with_count=*/true);
}

}  // namespace di::ingest
