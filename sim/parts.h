// Simulator::Parts: the components a running simulator owns, shared by the API
// handler (simulator.cpp) and the admin routes (admin_routes.cpp). Internal to
// the simulator; members synchronise themselves.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <memory>
#include <mutex>

#include "common/clock.h"
#include "sim/churn.h"
#include "sim/config.h"
#include "sim/counters.h"
#include "sim/density.h"
#include "sim/executor.h"
#include "sim/generator.h"
#include "sim/inventory.h"
#include "sim/rate_limiter.h"
#include "sim/simulator.h"
#include "sim/tokens.h"

namespace di::sim {

struct Simulator::Parts {
  SimConfig config;
  std::unique_ptr<PriceSampler> sampler;
  std::unique_ptr<OfferGenerator> generator;
  std::unique_ptr<Inventory> inventory;
  std::unique_ptr<TokenStore> tokens;
  Counters counters;
  std::unique_ptr<Executor> executor;
  std::unique_ptr<ChurnDriver> churn;
  std::unique_ptr<RateLimiter> limiter;
  httplib::Server server;
  int listen_fd = -1;

  // Per-request randomness for faults and latency.
  std::mutex rng_mu;
  Rng rng{1};

  // Sleeping requests wake early on shutdown. Returns false if woken by it.
  std::mutex sleep_mu;
  std::condition_variable sleep_cv;
  bool shutting_down = false;
  bool SleepMs(int64_t ms);
};

void AddAdminRoutes(Simulator::Parts* parts);

}  // namespace di::sim
