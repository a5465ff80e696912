// ResendAlertSink: alerts as e-mails through the Resend API.
//
// Send() POSTs {base_url}/emails with "Authorization: Bearer <key>", an
// "Idempotency-Key" new for each alert and the same on each of its retries (so
// an attempt that timed out after Resend accepted it does not send a second
// e-mail), and a JSON body {from, to, subject: "[diamond-ingest] <subject>", text}. The text says
// what happened, which run, and what to do (the alert's body) plus the alert
// kind. Transport errors, 429 and 5xx are retried (max_attempts in all, with a
// doubling backoff slept on the injected Clock); other 4xx are not. Send()
// never throws and never fails the caller: every outcome is logged (error level
// on failure, without the key or the request body) and counted in sent()/failed().
//
// Thread-safe: Send() may run on several threads at once (the transport is
// thread-safe; the counters are atomic).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cloud/alert_sink.h"
#include "common/clock.h"
#include "http/http_transport.h"

namespace di::cloud {

struct ResendOptions {
  std::string api_key;  // a secret: never logged
  std::string base_url = "https://api.resend.com";
  std::string from;
  std::vector<std::string> to;
  int max_attempts = 3;
  Millis first_backoff{500};
  Millis timeout{10000};
};

// The JSON request body for ALERT (pure; exposed for tests).
std::string BuildResendEmail(const ResendOptions& options, const Alert& alert);
// A fresh random Idempotency-Key ("diamond-ingest-" + 32 hex digits).
std::string NewIdempotencyKey();

class ResendAlertSink final : public AlertSink {
 public:
  // TRANSPORT: where the POST goes (http::CurlTransport in production).
  ResendAlertSink(ResendOptions options, std::shared_ptr<http::HttpTransport> transport,
                  Clock* clock = &DefaultClock());
  void Send(const Alert& alert) override;

 private:
  // One delivery with retries; true when Resend accepted it (2xx).
  bool Deliver(const Alert& alert);

  ResendOptions options_;
  std::shared_ptr<http::HttpTransport> transport_;
  Clock* clock_;
};

}  // namespace di::cloud
