// Simulator: every part of nivoda-sim wired together from a SimConfig, with an
// HTTP server (cpp-httplib) serving the GraphQL API on /api/diamonds and the
// admin interface on /admin/*. Start with Bind() then Serve() (blocks until
// Shutdown()). Thread-safe.
#pragma once

#include <memory>

#include "common/status.h"
#include "sim/config.h"

namespace di::sim {

class Simulator {
 public:
  // Loads the density file and builds the inventory (the slow part).
  static Result<std::unique_ptr<Simulator>> Create(const SimConfig& config);
  ~Simulator();

  // Binds host:port (port 0 picks a free one); returns the port.
  Result<int> Bind();
  // Serves until Shutdown(); starts churn first.
  void Serve();
  // Stops serving and wakes sleeping requests. Safe from any thread or a signal-watching thread.
  void Shutdown();

  struct Parts;

 private:
  explicit Simulator(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace di::sim
