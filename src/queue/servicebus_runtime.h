// ServiceBusRuntime: a queue's message counts from the Service Bus REST
// interface (the AMQP link cannot report them), for `status` and GetDepth.
//
//   GET https://<namespace host>/<queue>?api-version=2021-05
//   Authorization: SharedAccessSignature sr=<url-encoded https://host/queue>&sig=...&se=...&skn=...
//
// The reply is an Atom entry whose QueueDescription holds CountDetails
// (ActiveMessageCount, DeadLetterMessageCount, ScheduledMessageCount, ...,
// in the namespace prefix the service chooses). A queue that does not exist
// is HTTP 200 with an Atom feed and no entry. Service Bus updates these
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
  int64_t active = 0;  // available or locked, by any receiver
  int64_t dead_letter = 0;
  int64_t scheduled = 0;
};

// The depth `status` shows: LOCAL (the outbox rows and this process's leases)
// plus the broker's counts. ActiveMessageCount counts the messages ready to be
// received and those locked by any receiver, and nothing tells them apart, so
// only what is known is called ready or leased: ready = the outbox's ready
// rows; leased = the leases held here; ready_or_leased = active - the leases
// held here (>= 0: ready, or leased by another process); scheduled = outbox +
// broker; dead letters = the outbox rows set aside + the broker's dead-letter queue.
Depth WithBrokerCounts(Depth local, const QueueCounts& broker);

// Reads CountDetails from a queue's Atom entry. kNotFound (naming QUEUE) for a
// feed without an entry (the queue does not exist); kCorrupt when a count is
// missing or not a non-negative integer.
Result<QueueCounts> ParseQueueCounts(std::string_view atom_xml, const std::string& queue = "");

struct RuntimeOptions {
  std::string base_url;  // "https://<namespace host>" (tests: a local http:// server)
  std::string key_name;
  std::string key;        // a secret
  std::string ca_file{};  // certificate authorities for HTTPS instead of the system's; empty = the system's
  Millis timeout{10000};
  Millis token_lifetime{300 * 1000};
};

class ServiceBusRuntime {
 public:
  ServiceBusRuntime(RuntimeOptions options, std::shared_ptr<http::HttpTransport> transport,
                    Clock* clock = &DefaultClock());
  // The counts of QUEUE. 404 or an empty feed: kNotFound; 401/403: kUnauthenticated; other
  // statuses and transport failures: kUnavailable.
  Result<QueueCounts> Counts(const std::string& queue) const;

 private:
  RuntimeOptions options_;
  std::shared_ptr<http::HttpTransport> transport_;
  Clock* clock_;
};

}  // namespace di::queue::sb
