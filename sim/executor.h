// Executor: turns the body of one HTTP POST (`{query, variables,
// operationName}`) into the JSON response, as the real Nivoda GraphQL API
// would: parse, validate against the simulated schema, then execute
// `authenticate` and `as(token) { diamonds_by_query_count / diamonds_by_query }`.
// The counts and pages of one request are read from one state of the inventory
// (one read lock), as one database snapshot would serve them.
// No I/O, no sleeping: faults, latency and rate limits are the server's job.
// Thread-safe (the inventory and token store synchronise themselves).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/counters.h"
#include "sim/inventory.h"
#include "sim/tokens.h"

namespace di::sim {

struct ExecutorOptions {
  int64_t max_limit = 50;          // limit above this is a validation error
  int64_t default_limit = 50;      // when `limit` is absent
  double short_page_fraction = 0;  // probability that a full mid-result page comes back short
  uint64_t seed = 1;               // salts for tie order and short pages, one per call
  InsertOrder insert_order = InsertOrder::kUnique;
};

struct Execution {
  int http_status = 200;
  std::string body;
  int64_t deepest_offset = 0;  // for the latency model
  bool executed_data = false;  // a count or page was executed
};

class Executor {
 public:
  // REQUIRES: all pointers outlive the executor.
  Executor(const Inventory* inventory, TokenStore* tokens, Counters* counters, ExecutorOptions options);

  Execution Execute(std::string_view http_body);

 private:
  const Inventory* inventory_;
  TokenStore* tokens_;
  Counters* counters_;
  ExecutorOptions options_;
  std::atomic<uint64_t> calls_{0};
};

}  // namespace di::sim
