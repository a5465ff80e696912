// NivodaOfferSource: the OfferSource of a work item, over NivodaClient.
//
// Every query carries the feed filter (labgrown true/false) and, for an
// incremental work item, its `updated` window; cells become `dollar_value`.
// Thread-safe (the client is).
#pragma once

#include "ingest/partition_fetcher.h"
#include "nivoda/nivoda_client.h"

namespace di::ingest {

class NivodaOfferSource final : public OfferSource {
 public:
  // BASE holds the fixed filters (labgrown, updated window); its dollar_value is replaced.
  NivodaOfferSource(nivoda::NivodaClient& client, nivoda::DiamondQuery base)
      : client_(client), base_(std::move(base)) {}

  Result<nivoda::Page> FetchPage(const Cell& cell, int64_t offset, int limit, const nivoda::Order& order,
                                 const std::optional<std::string>& changed_since) override;
  Result<int64_t> Count(const Cell& cell, const std::optional<std::string>& changed_since) override;

 private:
  nivoda::DiamondQuery Query(const Cell& cell, const std::optional<std::string>& changed_since) const;
  nivoda::NivodaClient& client_;
  const nivoda::DiamondQuery base_;
};

}  // namespace di::ingest
