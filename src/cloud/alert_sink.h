// AlertSink: tells operators that something needs them (run failed, forced
// consolidation, consolidation failed, dead letters, stalled run).
//
// Sending never fails the pipeline: Send() reports delivery problems by logging
// and counting them, never by returning an error to the caller. Implementations
// are thread-safe. The embedded default is LogAlertSink (one error-level JSON
// line per alert); production uses Resend email (RESEND_API_KEY).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace di::cloud {

struct Alert {
  std::string kind;     // run_failed, consolidation_forced, consolidation_failed, dead_letter, run_stalled,
                        // outbox_set_aside
  std::string run_id;   // may be empty
  std::string subject;  // one line, without the "[diamond-ingest]" prefix
  std::string body;     // plain text: what happened, which run, what to do
};

class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void Send(const Alert& alert) = 0;
  int64_t sent() const { return sent_.load(); }
  int64_t failed() const { return failed_.load(); }

 protected:
  std::atomic<int64_t> sent_{0};
  std::atomic<int64_t> failed_{0};
};

class LogAlertSink final : public AlertSink {
 public:
  void Send(const Alert& alert) override;
};

}  // namespace di::cloud
