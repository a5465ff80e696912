#include "nivoda/nivoda_client.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "common/log.h"
#include "http/curl_transport.h"
#include "nivoda/error_classifier.h"
#include "nivoda/request_builder.h"
#include "nivoda/response_parser.h"

namespace di::nivoda {
namespace {

constexpr Millis kSleepSlice{100};

Status Cancelled() { return Status(Code::kCancelled, "Nivoda client cancelled"); }

// The flow a request belongs to for the account's fair share (rate_limiter.h):
// the feed it reads; none when the query does not say.
std::string FlowOf(const DiamondQuery& query) {
  if (!query.labgrown.has_value()) return std::string();
  return *query.labgrown ? "labgrown" : "natural";
}

// Offers in a call's result, for the observer: a page's items (bad ones too); 0 otherwise.
int64_t ItemCount(const Page& page) { return static_cast<int64_t>(page.item_count()); }
int64_t ItemCount(int64_t) { return 0; }

}  // namespace

class NivodaClient::Impl {
 public:
  explicit Impl(ClientOptions options)
      : options_(std::move(options)),
        clock_(options_.clock != nullptr ? options_.clock : &DefaultClock()),
        policy_(options_.retry),
        tokens_([this] { return AuthenticateWithRetries(); }, options_.token, clock_) {
    if (!options_.limiter) options_.limiter = std::make_shared<UnlimitedRateLimiter>();
    if (!options_.transport) options_.transport = std::make_shared<http::CurlTransport>();
    log::AddSecret(options_.password);
  }

  Status Authenticate() { return tokens_.Get().status(); }

  Result<int64_t> Count(const DiamondQuery& query) {
    DI_RETURN_IF_ERROR(query.Validate());
    return Call<int64_t>(
        "count", FlowOf(query), [&](const std::string& token) { return BuildCountBody(token, query); }, &ParseCountResponse);
  }

  Result<Page> FetchPage(const DiamondQuery& query, int64_t offset, int limit, const Order& order, bool with_count) {
    // Validate once up front: an invalid request never reaches the limiter.
    DI_RETURN_IF_ERROR(BuildPageBody("validation", query, offset, limit, order, with_count).status());
    return Call<Page>(
        "page", FlowOf(query), [&](const std::string& token) { return BuildPageBody(token, query, offset, limit, order, with_count); },
        &ParsePageResponse);
  }

  void Cancel() { cancelled_ = true; }

  ClientCounters counters() const {
    ClientCounters c;
    c.requests = requests_.load();
    c.retries = retries_.load();
    c.authentications = tokens_.authentications();
    c.reauthentications = reauthentications_.load();
    c.rate_limited = rate_limited_.load();
    c.authentications_refused = authentications_refused_.load();
    return c;
  }

 private:
  // One HTTP exchange: the body of an HTTP 200, or the classified failure.
  // EVENT receives what happened, for the observer.
  Result<std::string> Exchange(const char* operation, const std::string& flow, int attempt, const std::string& body,
                               std::optional<Millis>* retry_after, CallEvent* event_out) {
    CallEvent& event = *event_out;
    event.operation = operation;
    event.attempt = attempt;
    if (cancelled_.load()) return Cancelled();
    const int64_t wait_start = clock_->MonotonicMs();
    Status admitted = options_.limiter->AcquireFor(flow);
    event.limiter_wait_ms = clock_->MonotonicMs() - wait_start;
    if (!admitted.ok()) return admitted;
    ++requests_;
    event.sent = true;
    const int64_t sent_at = DefaultClock().MonotonicMs();  // the limiter's clock
    const int64_t start = clock_->MonotonicMs();
    Result<http::HttpResponse> response = options_.transport->Post(options_.endpoint, body, {}, options_.timeout);
    event.latency_ms = clock_->MonotonicMs() - start;
    Result<std::string> out = Status(Code::kInternal, "unset");
    if (!response.ok()) {
      out = response.status();
    } else {
      event.http_status = response->status;
      if (response->status == 200) {
        out = std::move(response->body);
      } else {
        *retry_after = response->RetryAfter();
        if (response->status == 429) {
          ++rate_limited_;
          options_.limiter->OnRateLimited(sent_at, *retry_after);
        }
        out = ClassifyHttpStatus(response->status, response->body);
      }
    }
    event.code = out.status().code();
    return out;
  }

  void Report(CallEvent event, const Status& status, std::optional<Millis> retry_in) {
    event.code = status.code();
    event.retry_in = retry_in;
    if (options_.observer != nullptr) options_.observer->OnCall(event);
  }

  // Sleeps DELAY on the clock in slices; false when cancelled meanwhile.
  bool Sleep(Millis delay) {
    while (delay.count() > 0) {
      if (cancelled_.load()) return false;
      Millis slice = std::min(delay, kSleepSlice);
      clock_->SleepFor(slice);
      delay -= slice;
    }
    return !cancelled_.load();
  }

  // The retry decision shared by data calls and authentication: returns true
  // after sleeping when the call should be repeated.
  // ATTEMPT counts the call's failures of STATUS's kind: 429s apart from the
  // others (RetryOptions::max_rate_limited_attempts).
  bool RetryAfterFailure(const char* operation, int attempt, const Status& status, std::optional<Millis> retry_after,
                         const CallEvent& event, Status* final_status) {
    std::optional<Millis> delay = policy_.NextDelay(attempt, status, retry_after);
    Report(event, status, delay);
    if (!delay) {
      if (IsRetryable(status.code())) {
        log::Warn("nivoda call failed, giving up", {{"operation", operation},
                                                    {"attempt", attempt},
                                                    {"code", CodeName(status.code())},
                                                    {"error", status.message()}});
      }
      *final_status = status;
      return false;
    }
    ++retries_;
    log::Warn("nivoda call failed, retrying", {{"operation", operation},
                                               {"attempt", attempt},
                                               {"code", CodeName(status.code())},
                                               {"delay_ms", static_cast<int64_t>(delay->count())},
                                               {"error", status.message()}});
    if (!Sleep(*delay)) {
      *final_status = Cancelled();
      return false;
    }
    return true;
  }

  Result<std::string> AuthenticateWithRetries() {
    const std::string body = BuildAuthenticateBody(options_.username, options_.password);
    int throttled = 0;
    for (int attempt = 1;; ++attempt) {
      std::optional<Millis> retry_after;
      CallEvent event;
      Result<std::string> response = Exchange("authenticate", std::string(), attempt, body, &retry_after, &event);
      Result<std::string> token =
          response.ok() ? ParseTokenResponse(response.value()) : Result<std::string>(response.status());
      if (token.ok()) {
        log::AddSecret(token.value());
        Report(event, Status::Ok(), std::nullopt);
        log::Info("nivoda authenticated", {{"attempt", attempt}});
        return token;
      }
      Status status = token.status();
      if (status.code() == Code::kUnauthenticated) {
        // The authenticate call itself refused: the credentials are wrong.
        status = Status(Code::kPermanent, "Nivoda authentication refused: " + status.message());
      }
      Status final_status;
      const int of_kind = status.code() == Code::kRateLimited ? ++throttled : attempt - throttled;
      if (!RetryAfterFailure("authenticate", of_kind, status, retry_after, event, &final_status)) {
        if (final_status.code() == Code::kPermanent) ++authentications_refused_;
        return final_status;
      }
    }
  }

  template <typename T>
  Result<T> Call(const char* operation, const std::string& flow, const std::function<Result<std::string>(const std::string&)>& build,
                 Result<T> (*parse)(std::string_view)) {
    bool reauthenticated = false;
    int throttled = 0;
    for (int attempt = 1;;) {
      DI_ASSIGN_OR_RETURN(std::string token, tokens_.Get());
      DI_ASSIGN_OR_RETURN(std::string body, build(token));
      std::optional<Millis> retry_after;
      CallEvent event;
      Result<std::string> response = Exchange(operation, flow, attempt, body, &retry_after, &event);
      Result<T> result = response.ok() ? parse(response.value()) : Result<T>(response.status());
      if (result.ok()) {
        event.items = ItemCount(*result);
        Report(event, Status::Ok(), std::nullopt);
        return result;
      }
      const Status& status = result.status();
      if (status.code() == Code::kUnauthenticated && !reauthenticated) {
        reauthenticated = true;
        ++reauthentications_;
        Report(event, status, Millis(0));
        log::Warn("nivoda token refused, re-authenticating once",
                  {{"operation", operation}, {"error", status.message()}});
        tokens_.Invalidate(token);
        continue;
      }
      Status final_status;
      const int of_kind = status.code() == Code::kRateLimited ? ++throttled : attempt - throttled;
      if (!RetryAfterFailure(operation, of_kind, status, retry_after, event, &final_status)) {
        return final_status;
      }
      ++attempt;
    }
  }

  ClientOptions options_;
  Clock* clock_;
  RetryPolicy policy_;
  TokenCache tokens_;
  std::atomic<bool> cancelled_{false};
  std::atomic<int64_t> requests_{0};
  std::atomic<int64_t> retries_{0};
  std::atomic<int64_t> reauthentications_{0};
  std::atomic<int64_t> rate_limited_{0};
  std::atomic<int64_t> authentications_refused_{0};
};

Result<std::unique_ptr<NivodaClient>> NivodaClient::Create(ClientOptions options) {
  const std::string& e = options.endpoint;
  if (e.rfind("http://", 0) != 0 && e.rfind("https://", 0) != 0) {
    return Status(Code::kInvalidArgument, "Nivoda endpoint must be an http(s):// URL: '" + e + "'");
  }
  if (options.timeout.count() <= 0) {
    return Status(Code::kInvalidArgument, "Nivoda request timeout must be positive");
  }
  if (options.token.refresh_margin >= options.token.lifetime) {
    return Status(Code::kInvalidArgument, "token refresh margin must be shorter than its lifetime");
  }
  return std::unique_ptr<NivodaClient>(new NivodaClient(std::move(options)));
}

NivodaClient::NivodaClient(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
NivodaClient::~NivodaClient() = default;

Status NivodaClient::Authenticate() { return impl_->Authenticate(); }
Result<int64_t> NivodaClient::Count(const DiamondQuery& query) { return impl_->Count(query); }
Result<Page> NivodaClient::FetchPage(const DiamondQuery& query, int64_t offset, int limit, const Order& order,
                                     bool with_count) {
  return impl_->FetchPage(query, offset, limit, order, with_count);
}
void NivodaClient::Cancel() { impl_->Cancel(); }
ClientCounters NivodaClient::counters() const { return impl_->counters(); }

}  // namespace di::nivoda
