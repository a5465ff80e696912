// ServiceBusRuntime: a queue's message counts from the Service Bus REST
// interface (the AMQP link cannot report them), for `status` and GetDepth.
//
//   GET https://<namespace host>/<queue>?api-version=2021-05
//   Authorization: SharedAccessSignature sr=<url-encoded https://host/queue>&sig=...&se=...&skn=...
//
// The reply is an Atom entry whose QueueDescription holds CountDetails
// (ActiveMessageCount, DeadLetterMessageCount, ScheduledMessageCount, ...,
// in the namespace prefix the service chooses). Service Bus updates these
// counts asynchronously: they may lag by seconds.
// ParseQueueCounts is pure; ServiceBusRuntime::Counts does one GET.
// Thread-safe (the transport is).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "http/http_transport.h"
#include "queue/queue.h"

namespace di::queue::sb {

struct QueueCounts {
  int64_t active = 0;  // available or locked
  int64_t dead_letter = 0;
  int64_t scheduled = 0;
};

// The depth `status` shows: LOCAL (the outbox rows and this process's leases)
// plus the broker's counts. Active messages include those locked by any
// receiver; ready = outbox ready + active - the leases held here (>= 0).
Depth WithBrokerCounts(Depth local, const QueueCounts& broker);

// Reads CountDetails from a queue's Atom entry. kCorrupt when a count is
// missing or not a non-negative integer.
Result<QueueCounts> ParseQueueCounts(std::string_view atom_xml);

struct RuntimeOptions {
  std::string base_url;  // "https://<namespace host>" (tests: a local http:// server)
  std::string key_name;
  std::string key;  // a secret
  Millis timeout{10000};
  Millis token_lifetime{300 * 1000};
};

class ServiceBusRuntime {
 public:
  ServiceBusRuntime(RuntimeOptions options, std::shared_ptr<http::HttpTransport> transport,
                    Clock* clock = &DefaultClock());
  // The counts of QUEUE. 404: kNotFound; 401/403: kUnauthenticated; other
  // statuses and transport failures: kUnavailable.
  Result<QueueCounts> Counts(const std::string& queue) const;

 private:
  RuntimeOptions options_;
  std::shared_ptr<http::HttpTransport> transport_;
  Clock* clock_;
};

}  // namespace di::queue::sb
