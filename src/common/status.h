// Status and Result<T>: expected failures as values, not exceptions.
//
// A Status is ok, or carries an error code, a message and (for database errors)
// the SQLSTATE. Result<T> is a T or a non-ok Status. Both are plain values and
// safe to copy between threads; neither is internally synchronised.
// Both are [[nodiscard]]: an error is handled, passed on, or dropped with
// (void) and a comment saying why that is safe.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace di {

enum class Code {
  kOk,
  kInvalidArgument,  // bad input from a caller or a peer; retrying will not help
  kNotFound,
  kConflict,         // a precondition (etag, unique key, state) did not hold
  kUnavailable,      // network, server down, timeout: retryable
  kRateLimited,      // 429 or equivalent: retryable after a delay
  kUnauthenticated,  // token missing, invalid or expired
  kPermanent,        // the peer refused for good (validation error, 4xx)
  kCorrupt,          // malformed data received
  kCancelled,        // shutdown requested
  kInternal,
};

const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message, std::string sqlstate = {})
      : code_(code), message_(std::move(message)), sqlstate_(std::move(sqlstate)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // Five-character SQLSTATE for database errors, empty otherwise.
  const std::string& sqlstate() const { return sqlstate_; }
  // "code: message" (plus the SQLSTATE when there is one).
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string sqlstate_;
};

// A value of T, or the Status that explains why there is none.
// REQUIRES: a Result built from a Status is built from a non-ok one.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace di

// Returns the status of EXPR from the enclosing function when it is not ok.
#define DI_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::di::Status di_status_ = (expr);        \
    if (!di_status_.ok()) return di_status_; \
  } while (0)

#define DI_CONCAT_INNER(a, b) a##b
#define DI_CONCAT(a, b) DI_CONCAT_INNER(a, b)
// Declares LHS from a Result, or returns its status from the enclosing function.
#define DI_ASSIGN_OR_RETURN(lhs, expr) DI_ASSIGN_OR_RETURN_IMPL(DI_CONCAT(di_result_, __LINE__), lhs, expr)
#define DI_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
