// Test helpers for servicebus-sim, the local Azure Service Bus
// (servicebus-sim/README.md): the suite's instance (ctest fixture "servicebus",
// tests/support/servicebus.cmake), or a private one a test starts when it
// changes a global knob or drops every connection; its admin interface (ground
// truth and faults); and the queue options that reach it, built from its
// connection string as the binary builds them. Not thread-safe; the instance
// itself may be driven from many threads.
#pragma once

#include <sys/types.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "queue/servicebus_queue.h"

namespace di::testing {

class ServiceBusSim {
 public:
  static constexpr const char* kKeyName = "RootManageSharedAccessKey";
  static constexpr const char* kKey = "c2VydmljZWJ1cy1zaW0ta2V5";

  // The fixture's instance; amqp_port() == 0 when the fixture is absent.
  static ServiceBusSim Fixture();
  // A private instance (plain AMQP and HTTP only) with FLAGS after the ports,
  // e.g. {"--cbs-auth-timeout", "2"}; stopped by PID on destruction.
  static Result<std::unique_ptr<ServiceBusSim>> StartPrivate(const std::vector<std::string>& flags);
  ~ServiceBusSim();
  ServiceBusSim(ServiceBusSim&& other) noexcept;
  ServiceBusSim& operator=(ServiceBusSim&&) = delete;
  ServiceBusSim(const ServiceBusSim&) = delete;
  ServiceBusSim& operator=(const ServiceBusSim&) = delete;

  int amqp_port() const { return amqp_port_; }
  int amqps_port() const { return amqps_port_; }  // 0 for a private instance
  int https_port() const { return https_port_; }  // 0 for a private instance
  int http_port() const { return http_port_; }
  const std::string& cert_file() const { return cert_file_; }  // the fixture's self-signed CA
  // NODE_PATH for scripts using rhea or @azure/service-bus.
  static std::string NodePath();

  // Endpoint=sb://127.0.0.1:<amqp>/;SharedAccessKeyName=..;SharedAccessKey=..;UseDevelopmentEmulator=true
  std::string ConnectionString() const;
  // ServiceBusOptionsFrom(ConnectionString()), with test-sized timeouts and
  // relay intervals; REST counts over the plain-HTTP admin port.
  queue::ServiceBusQueueOptions QueueOptions() const;

  // --- admin interface ---
  // Creates NAME (or changes its settings): lock duration, max delivery count,
  // duplicate detection window and link idle timeout, in seconds (0 = default / off).
  Status CreateQueue(const std::string& name, int lock_seconds = 0, int max_deliveries = 0, int dup_seconds = 0,
                     double idle_seconds = 0);
  Result<nlohmann::json> State();
  // state.queues[QUEUE].counters (deliveries, completed, lockExpiries, ...).
  Result<nlohmann::json> QueueCounters(const std::string& queue);
  // Every message of QUEUE (state, deliveryCount, lockedUntil, ...).
  Result<nlohmann::json> Messages(const std::string& queue);
  Result<nlohmann::json> DeadLetters(const std::string& queue);
  // Drops every AMQP connection (a TCP reset, or with CLOSE an AMQP close).
  Status DropConnections(bool close = false);
  // Force-detaches the links of KIND (receive|send|management|cbs, "" = all) on QUEUE ("" = all).
  Result<int> Detach(const std::string& kind, const std::string& queue = "");
  Status SetIdleTimeout(double seconds, const std::string& queue = "");
  // The next COUNT put-token requests are answered with STATUS.
  Status FailPutTokens(int count, int status = 503);

 private:
  ServiceBusSim() = default;
  Result<nlohmann::json> Call(const std::string& method, const std::string& path_and_query);

  pid_t pid_ = -1;  // a private instance
  int amqp_port_ = 0;
  int amqps_port_ = 0;
  int https_port_ = 0;
  int http_port_ = 0;
  std::string cert_file_;
};

// "sbq-" + random hex, a queue name valid on Service Bus.
std::string UniqueServiceBusQueue();

}  // namespace di::testing
