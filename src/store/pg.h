// A thin RAII wrapper over libpq: connections, parameterised statements,
// transactions and COPY FROM STDIN. Errors are values (Status with SQLSTATE).
//
// A Connection is not thread-safe: one thread uses it at a time (take one from
// a Pool per task). QueryResult is an immutable value once returned.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

struct pg_conn;
struct pg_result;

namespace di::pg {

// One text parameter of a statement; nullopt is SQL NULL.
using Param = std::optional<std::string>;
using Params = std::vector<Param>;

// Helpers turning values into text parameters.
inline Param P(std::string_view s) { return std::string(s); }
inline Param P(const char* s) { return std::string(s); }
inline Param P(const std::string& s) { return s; }
inline Param P(int64_t v) { return std::to_string(v); }
inline Param P(int v) { return std::to_string(v); }
inline Param P(double v) { return std::to_string(v); }
inline Param P(bool v) { return v ? "true" : "false"; }
template <typename T>
Param P(const std::optional<T>& v) {
  return v ? P(*v) : std::nullopt;
}
inline Param Null() { return std::nullopt; }

class QueryResult {
 public:
  QueryResult() = default;
  explicit QueryResult(pg_result* res);
  QueryResult(QueryResult&&) noexcept;
  QueryResult& operator=(QueryResult&&) noexcept;
  ~QueryResult();

  int rows() const;
  int columns() const;
  bool IsNull(int row, int col) const;
  // The text of a value ("" for NULL).
  std::string_view Get(int row, int col) const;
  std::string GetString(int row, int col) const { return std::string(Get(row, col)); }
  int64_t GetInt64(int row, int col) const;
  double GetDouble(int row, int col) const;
  bool GetBool(int row, int col) const { return Get(row, col) == "t"; }
  std::optional<std::string> GetOptional(int row, int col) const;
  std::optional<int64_t> GetOptionalInt64(int row, int col) const;
  // Column index by name, -1 when absent.
  int Column(std::string_view name) const;
  // Number of rows affected by INSERT/UPDATE/DELETE.
  int64_t Affected() const;

 private:
  pg_result* res_ = nullptr;
};

class Connection {
 public:
  // Connects to URL (postgresql://... or key=value). Unavailable on failure.
  static Result<std::unique_ptr<Connection>> Open(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one parameterised statement ($1, $2, ...).
  Result<QueryResult> Exec(std::string_view sql, const Params& params = {});
  // Runs a script of several statements without parameters.
  Status ExecScript(std::string_view sql);
  // COPY_SQL is a "COPY ... FROM STDIN ..." statement; DATA is its whole input.
  Status CopyIn(std::string_view copy_sql, std::string_view data);

  // Waits up to TIMEOUT_MS for a NOTIFY on a channel this connection LISTENs
  // to. Returns true when one arrived (all pending ones are drained).
  Result<bool> WaitForNotify(int timeout_ms);

  // False once the server connection is known broken; the pool drops it.
  bool healthy() const;
  pg_conn* raw() { return conn_; }

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  Status ResultStatus(pg_result* res, std::string_view what);
  pg_conn* conn_;
};

// BEGIN on construction; ROLLBACK on destruction unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Connection& conn);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // Status of the BEGIN; when not ok the transaction is unusable.
  const Status& begin_status() const { return begin_; }
  Status Commit();
  Connection& conn() { return conn_; }

 private:
  Connection& conn_;
  Status begin_;
  bool done_ = false;
};

// Maps a SQLSTATE to a Status code: connection loss / shutdown -> kUnavailable,
// serialization failure / deadlock / unique violation -> kConflict,
// data exceptions -> kInvalidArgument, otherwise kInternal.
Code CodeForSqlState(std::string_view sqlstate);
// True for errors worth retrying after reconnecting (kUnavailable, kConflict).
bool IsRetryable(const Status& status);

// MESSAGE (libpq's multi-line errors, e.g. "connection ... failed: refused\n\t
// Is the server running ...?\n") as one line: line breaks and the indentation
// after them become "; ", trailing blanks dropped.
std::string OneLine(std::string_view message);

// Escapes a value for COPY ... FROM STDIN text format (tab-separated).
void AppendCopyText(std::string* out, std::string_view value);

}  // namespace di::pg
