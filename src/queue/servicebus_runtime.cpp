#include "queue/servicebus_runtime.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "queue/servicebus_frames.h"

namespace di::queue::sb {
namespace {

constexpr const char* kApiVersion = "2021-05";

// The text of the first element whose local name is NAME, whatever its
// namespace prefix: "<NAME>" or "<p:NAME ...>", up to the next '<'.
std::optional<std::string_view> ElementText(std::string_view xml, std::string_view name) {
  for (size_t pos = xml.find(name); pos != std::string_view::npos; pos = xml.find(name, pos + 1)) {
    const size_t end = pos + name.size();
    if (end >= xml.size() || (xml[end] != '>' && xml[end] != ' ')) continue;
    const size_t lt = xml.rfind('<', pos);
    if (lt == std::string_view::npos) continue;
    const std::string_view prefix = xml.substr(lt + 1, pos - lt - 1);  // "" or "p:"
    if (!prefix.empty() && (prefix.back() != ':' || prefix.find_first_of("/ :>") != prefix.size() - 1)) continue;
    const size_t gt = xml.find('>', end);
    const size_t close = xml.find('<', gt);
    if (gt == std::string_view::npos || close == std::string_view::npos) return std::nullopt;
    return xml.substr(gt + 1, close - gt - 1);
  }
  return std::nullopt;
}

Result<int64_t> Count(std::string_view xml, std::string_view name) {
  auto text = ElementText(xml, name);
  if (!text) return Status(Code::kCorrupt, "queue description has no " + std::string(name));
  int64_t value = -1;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value < 0) {
    return Status(Code::kCorrupt, "queue description: " + std::string(name) + " is not a count: '" +
                                      std::string(text->substr(0, 40)) + "'");
  }
  return value;
}

}  // namespace

Depth WithBrokerCounts(Depth local, const QueueCounts& broker) {
  Depth d = local;
  d.ready_or_leased = std::max<int64_t>(0, broker.active - local.leased);
  d.scheduled = local.scheduled + broker.scheduled;
  d.dead_letters = local.dead_letters + broker.dead_letter;
  return d;
}

Result<QueueCounts> ParseQueueCounts(std::string_view atom_xml, const std::string& queue) {
  if (atom_xml.find("<entry") == std::string_view::npos && atom_xml.find(":entry") == std::string_view::npos &&
      atom_xml.find("feed") != std::string_view::npos) {
    return Status(Code::kNotFound, "no Service Bus queue " + (queue.empty() ? std::string("(unnamed)") : queue) +
                                       " (the namespace answered with an empty feed)");
  }
  const size_t details = atom_xml.find("CountDetails");
  if (details == std::string_view::npos) return Status(Code::kCorrupt, "queue description has no CountDetails");
  const std::string_view xml = atom_xml.substr(details);
  QueueCounts c;
  DI_ASSIGN_OR_RETURN(c.active, Count(xml, "ActiveMessageCount"));
  DI_ASSIGN_OR_RETURN(c.dead_letter, Count(xml, "DeadLetterMessageCount"));
  DI_ASSIGN_OR_RETURN(c.scheduled, Count(xml, "ScheduledMessageCount"));
  return c;
}

ServiceBusRuntime::ServiceBusRuntime(RuntimeOptions options, std::shared_ptr<http::HttpTransport> transport,
                                     Clock* clock)
    : options_(std::move(options)), transport_(std::move(transport)), clock_(clock) {}

Result<QueueCounts> ServiceBusRuntime::Counts(const std::string& queue) const {
  const std::string resource = options_.base_url + "/" + queue;
  const int64_t expiry =
      std::chrono::duration_cast<std::chrono::seconds>((clock_->Now() + options_.token_lifetime).time_since_epoch())
          .count();
  const http::HttpHeaders headers = {{"Authorization", SasToken(resource, options_.key_name, options_.key, expiry)},
                                     {"Accept", "application/atom+xml"}};
  auto reply = transport_->Get(resource + "?api-version=" + kApiVersion, headers, options_.timeout);
  if (!reply.ok()) {
    return Status(Code::kUnavailable, "reading the counts of queue " + queue + ": " + reply.status().message());
  }
  if (reply->status == 404) return Status(Code::kNotFound, "no Service Bus queue " + queue);
  if (reply->status == 401 || reply->status == 403) {
    return Status(Code::kUnauthenticated, "Service Bus refused reading queue " + queue + " (HTTP " +
                                              std::to_string(reply->status) + "): the SAS key needs Manage rights");
  }
  if (reply->status != 200) {
    return Status(Code::kUnavailable,
                  "reading the counts of queue " + queue + ": HTTP " + std::to_string(reply->status));
  }
  return ParseQueueCounts(reply->body, queue);
}

}  // namespace di::queue::sb
