// SimConfig: every setting of nivoda-sim, filled once from the command line
// (sim/main.cpp) and validated there. Plain value type.
#pragma once

#include <cstdint>
#include <string>

#include "sim/churn.h"
#include "sim/faults.h"
#include "sim/item_content.h"
#include "sim/order.h"

namespace di::sim {

struct SimConfig {
  // Network.
  std::string host = "127.0.0.1";
  int port = 8765;
  int threads = 256;  // HTTP worker threads (one per open connection)
  int keep_alive_timeout_s = 5;
  // Account.
  std::string username = "nivoda-sim";
  std::string password = "nivoda-sim-password";
  int64_t token_ttl_s = 6 * 3600;
  // Inventory.
  uint64_t seed = 1;
  int64_t natural = 440'000;
  int64_t labgrown = 900'000;
  std::string density_path;  // empty: the default (see main.cpp)
  std::string as_of;         // ISO-8601; empty: the density file's timestamp
  double whole_dollar_fraction = 0.25;
  double labgrown_price_factor = 0.12;
  // Paging.
  int64_t max_limit = 50;
  double short_page_fraction = 0;
  InsertOrder insert_order = InsertOrder::kUnique;
  // Content faults (per stone): bad offers, hostile text.
  ItemContent content;
  // Churn.
  ChurnRates churn;
  // Faults and limits.
  double rate_limit = 0;  // requests per second for the account; 0 = off
  double rate_burst = 0;  // bucket size; 0 = same as rate_limit
  LatencyModel latency;
  FaultConfig faults;
  uint64_t fault_seed = 0;  // 0: derived from seed
};

}  // namespace di::sim
