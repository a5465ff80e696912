// diamond-ingest dead-letters list [--queue Q] [--json] [--limit N]
// diamond-ingest dead-letters redrive [--queue Q] (--id ID | --all)
// The dead letters kept in the database (queue/dead_letter_store.h): the
// PostgreSQL queue's, and those taken from the Service Bus dead-letter queues,
// which both commands do first, applying every dead letter not yet applied to
// its partition or run (roles/dead_letters.h).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "app/commands.h"
#include "app/components.h"
#include "common/log.h"
#include "queue/dead_letter_store.h"
#include "queue/messages.h"
#include "roles/dead_letters.h"

namespace di {
namespace {

// "run / p3", "run / sweep", "run" (consolidation) or "" from a message body.
std::string Subject(const queue::StoredDeadLetter& d) {
  if (auto item = queue::DecodeWorkItem(d.body); item.ok()) {
    return item->run_id + (item->sweep ? " / sweep" : " / p" + std::to_string(item->partition_id));
  }
  if (auto request = queue::DecodeConsolidate(d.body); request.ok()) return request->run_id + " / consolidate";
  return "";
}

std::string Json(const std::vector<queue::StoredDeadLetter>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : rows) {
    out.push_back({{"id", d.id},
                   {"queue", d.queue},
                   {"deadLetteredAt", d.dead_lettered_at},
                   {"deliveryCount", d.delivery_count},
                   {"reason", d.reason},
                   {"description", d.description},
                   {"subject", Subject(d)},
                   {"applied", d.handled},
                   {"body", d.body}});
  }
  return out.dump(2) + "\n";
}

std::string Table(const std::vector<queue::StoredDeadLetter>& rows) {
  char line[512];
  std::snprintf(line, sizeof line, "%-8s %-12s %-20s %5s  %-26s %-40s %s\n", "ID", "QUEUE", "DEAD-LETTERED", "DELIV",
                "REASON", "RUN / ITEM", "DESCRIPTION");
  std::string out = line;
  for (const auto& d : rows) {
    std::snprintf(line, sizeof line, "%-8lld %-12s %-20s %5d  %-26s %-40s %s\n", static_cast<long long>(d.id),
                  d.queue.c_str(), d.dead_lettered_at.c_str(), d.delivery_count, d.reason.c_str(), Subject(d).c_str(),
                  d.description.substr(0, 120).c_str());
    out += line;
  }
  return out + std::to_string(rows.size()) + " dead letter(s)\n";
}

// The components, with every dead letter taken in and applied; nullopt after printing why not.
std::optional<Components> Prepare(const Config& config, const char* what) {
  ComponentNeeds needs;
  needs.nivoda = false;
  needs.pool_size = 2;
  auto c = BuildComponents(config, needs);
  if (!c.ok()) {
    std::fprintf(stderr, "diamond-ingest dead-letters %s: %s\n", what, log::Redact(c.status().ToString()).c_str());
    return std::nullopt;
  }
  if (auto swept = ApplyDeadLetters(*c, config); !swept.ok()) {
    std::fprintf(stderr, "diamond-ingest dead-letters %s: %s\n", what, log::Redact(swept.status().ToString()).c_str());
    return std::nullopt;
  }
  return std::move(*c);
}

std::optional<std::string> QueueOption(const std::string& queue) {
  return queue.empty() ? std::nullopt : std::optional<std::string>(queue);
}

}  // namespace

int RunDeadLettersList(const Config& config, const DeadLettersListOptions& options) {
  if (options.limit < 1) {
    std::fprintf(stderr, "diamond-ingest dead-letters list: --limit must be at least 1\n");
    return kExitUsage;
  }
  auto c = Prepare(config, "list");
  if (!c) return kExitFailure;
  auto conn = c->pool->Acquire();
  if (!conn.ok()) {
    std::fprintf(stderr, "diamond-ingest dead-letters list: %s\n", conn.status().ToString().c_str());
    return kExitFailure;
  }
  auto rows = queue::ListDeadLetters(**conn, QueueOption(options.queue), options.limit);
  if (!rows.ok()) {
    std::fprintf(stderr, "diamond-ingest dead-letters list: %s\n", rows.status().ToString().c_str());
    return kExitFailure;
  }
  const std::string text = options.json ? Json(*rows) : Table(*rows);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

int RunDeadLettersRedrive(const Config& config, const DeadLettersRedriveOptions& options) {
  if ((options.id >= 0) == options.all) {
    std::fprintf(stderr, "diamond-ingest dead-letters redrive: give exactly one of --id ID and --all\n");
    return kExitUsage;
  }
  auto c = Prepare(config, "redrive");
  if (!c) return kExitFailure;
  RedriveRequest request;
  request.queue = QueueOption(options.queue);
  if (options.id >= 0) request.id = options.id;
  auto done = RedriveDeadLetters(*c->pool, *c->queue, CompletionOptionsFrom(config), request);
  if (!done.ok()) {
    std::fprintf(stderr, "diamond-ingest dead-letters redrive: %s\n", done.status().ToString().c_str());
    return kExitFailure;
  }
  if (options.id >= 0 && done->messages == 0) {
    std::fprintf(stderr, "diamond-ingest dead-letters redrive: no dead letter %lld%s\n",
                 static_cast<long long>(options.id), options.queue.empty() ? "" : (" in " + options.queue).c_str());
    return kExitFailure;
  }
  std::printf("redrove %d dead letter(s); %d failed partition(s) reset to pending\n", done->messages, done->partitions);
  return kExitOk;
}

}  // namespace di
