#include "cloud/resend_alert_sink.h"

#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <utility>

#include "common/log.h"

namespace di::cloud {

std::string BuildResendEmail(const ResendOptions& options, const Alert& alert) {
  std::string text = alert.body;
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += "\nAlert: " + alert.kind + "\n";
  if (!alert.run_id.empty()) text += "Run: " + alert.run_id + "\n";
  text += "Sent by diamond-ingest.\n";
  nlohmann::json doc = {
      {"from", options.from}, {"to", options.to}, {"subject", "[diamond-ingest] " + alert.subject}, {"text", text}};
  return doc.dump();
}

std::string NewIdempotencyKey() {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  static const char* kHex = "0123456789abcdef";
  std::lock_guard<std::mutex> lock(mu);
  std::string key = "diamond-ingest-";
  for (int i = 0; i < 32; ++i) key += kHex[rng() % 16];
  return key;
}

ResendAlertSink::ResendAlertSink(ResendOptions options, std::shared_ptr<http::HttpTransport> transport, Clock* clock)
    : options_(std::move(options)), transport_(std::move(transport)), clock_(clock) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
  if (options_.max_attempts < 1) options_.max_attempts = 1;
  log::AddSecret(options_.api_key);
}

void ResendAlertSink::Send(const Alert& alert) {
  bool delivered = false;
  try {
    delivered = Deliver(alert);
  } catch (const std::exception& e) {
    log::Error("alert e-mail failed", {{"alert", alert.kind}, {"run_id", alert.run_id}, {"error", e.what()}});
  } catch (...) {
    log::Error("alert e-mail failed", {{"alert", alert.kind}, {"run_id", alert.run_id}, {"error", "unknown"}});
  }
  if (delivered) {
    ++sent_;
  } else {
    ++failed_;
    // The alert itself must not be lost: it goes to the log as LogAlertSink would.
    log::Error("[diamond-ingest] " + alert.subject,
               {{"alert", alert.kind}, {"run_id", alert.run_id}, {"body", alert.body}, {"email", "not sent"}});
  }
}

bool ResendAlertSink::Deliver(const Alert& alert) {
  const std::string url = options_.base_url + "/emails";
  const std::string body = BuildResendEmail(options_, alert);
  // One key for every attempt at this alert: Resend sends the e-mail once even
  // when an attempt that timed out had in fact succeeded.
  const http::HttpHeaders headers = {{"Authorization", "Bearer " + options_.api_key},
                                     {"Idempotency-Key", NewIdempotencyKey()}};
  Millis backoff = options_.first_backoff;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    auto r = transport_->Post(url, body, headers, options_.timeout);
    bool retryable = true;
    std::string error;
    if (!r.ok()) {
      error = r.status().ToString();
    } else if (r->status >= 200 && r->status < 300) {
      log::Info("alert e-mail sent", {{"alert", alert.kind}, {"run_id", alert.run_id}, {"attempt", attempt}});
      return true;
    } else {
      retryable = r->status == 429 || r->status >= 500;
      error = "HTTP " + std::to_string(r->status) + ": " + log::Redact(r->body.substr(0, 200));
    }
    log::Warn("alert e-mail attempt failed", {{"alert", alert.kind},
                                              {"run_id", alert.run_id},
                                              {"attempt", attempt},
                                              {"retryable", retryable},
                                              {"error", error}});
    if (!retryable || attempt == options_.max_attempts) break;
    clock_->SleepFor(backoff);
    backoff *= 2;
  }
  return false;
}

}  // namespace di::cloud
