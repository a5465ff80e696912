// NivodaOfferSource: the OfferSource of a pass, over NivodaClient.
//
// Every query carries the pass's fixed filters (feed, `updated` window); a
// cell becomes `dollar_value`; every page asks for the query's count in the
// same request. Thread-safe (the client is).
#pragma once

#include "ingest/partition_fetcher.h"
#include "nivoda/nivoda_client.h"

namespace di::ingest {

class NivodaOfferSource final : public OfferSource {
 public:
  // BASE holds the fixed filters (labgrown, updated window); its dollar_value is replaced.
  NivodaOfferSource(nivoda::NivodaClient& client, nivoda::DiamondQuery base)
      : client_(client), base_(std::move(base)) {}

  Result<nivoda::Page> FetchPage(const Cell& cell, int64_t offset, int limit, const nivoda::Order& order) override;

 private:
  nivoda::NivodaClient& client_;
  const nivoda::DiamondQuery base_;
};

}  // namespace di::ingest
