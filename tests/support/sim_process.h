// SimProcess: a real nivoda-sim process for tests and benchmarks. Start()
// launches `$DI_BIN_DIR/nivoda-sim --port 0 FLAGS...` (or the nivoda-sim next to
// the running executable), reads the port it prints, and offers the admin
// interface as typed calls. Stop() (and the destructor) sends SIGTERM to the
// PID and waits for it. Not thread-safe: one owner per process; the admin
// calls open their own connections, so the simulator itself may be driven
// from many threads.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace di::testing {

// One line of /admin/dump.
struct SimDumpRow {
  std::string stone_id;
  std::string offer_id;
  int64_t price_cents = 0;
  std::string updated_at;      // ISO-8601 UTC with milliseconds
  std::string payload_sha256;  // of the item JSON served with the full selection
};

// /admin/counters.
struct SimCounters {
  int64_t natural = 0;  // live offers per feed
  int64_t labgrown = 0;
  bool churn_paused = false;
  int64_t tokens_issued = 0;
  int64_t requests = 0;  // requests that reached /api/diamonds (429s included)
  std::map<std::string, int64_t>
      requests_by_operation;  // authenticate, diamonds_by_query(_count), invalid, unauthenticated
  int64_t in_flight = 0;      // requests on /api/diamonds not answered yet (held by latency or a hang)
  int64_t peak_concurrent = 0;
  int64_t peak_requests_per_second = 0;
  int64_t rate_limited = 0;  // 429s sent
  int64_t errors_injected = 0;
  std::map<std::string, int64_t> errors_injected_by_kind;
  int64_t churn_reprice = 0, churn_payload = 0, churn_add = 0, churn_remove = 0;
};

// Fractions of the live inventory for an immediate churn batch.
struct SimChurn {
  double reprice = 0;
  double payload = 0;
  double add = 0;
  double remove = 0;
};

struct SimHttpReply {
  int status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;
};

class SimProcess {
 public:
  static constexpr const char* kUsername = "nivoda-sim";
  static constexpr const char* kPassword = "nivoda-sim-password";

  // Starts the simulator with FLAGS (after `--port 0`); waits until it listens.
  static Result<std::unique_ptr<SimProcess>> Start(std::vector<std::string> flags);
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  // http://127.0.0.1:PORT/api/diamonds
  const std::string& endpoint() const { return endpoint_; }
  std::string host() const { return "127.0.0.1"; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  Result<std::vector<SimDumpRow>> Dump(const std::string& feed = "all") const;  // all|natural|labgrown
  Result<SimCounters> Counters() const;
  Status ResetCounters() const;
  Status PauseChurn() const;
  Status ResumeChurn() const;
  // Applies a churn batch now; returns the counts done (reprice,payload,add,remove).
  Result<SimChurn> TriggerChurn(const SimChurn& fractions) const;
  // Revokes every token; returns how many were live.
  Result<int64_t> RevokeTokens() const;

  // Raw HTTP on the simulator's port (for the simulator's own tests).
  Result<SimHttpReply> Post(const std::string& path, const std::string& body,
                            Millis read_timeout = Millis(120000)) const;
  Result<SimHttpReply> Get(const std::string& path) const;
  // POSTs {"query": QUERY, "variables": VARIABLES_JSON} to /api/diamonds.
  // READ_TIMEOUT bounds the wait for the answer (the simulator's injected
  // hangs hold a request 5 s).
  Result<SimHttpReply> Graphql(const std::string& query, const std::string& variables_json = "{}",
                               Millis read_timeout = Millis(120000)) const;
  // Authenticates with the default credentials and returns the token.
  Result<std::string> Token() const;

  // SIGTERM, then wait (SIGKILL after 10 s). Idempotent.
  Status Stop();

 private:
  SimProcess(pid_t pid, int port);
  pid_t pid_;
  int port_;
  std::string endpoint_;
};

// Escapes TEXT as a JSON string literal (with quotes); handy for building bodies.
std::string JsonQuote(const std::string& text);

}  // namespace di::testing
