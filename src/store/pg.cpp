#include "store/pg.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace di::pg {

QueryResult::QueryResult(pg_result* res) : res_(res) {}
QueryResult::QueryResult(QueryResult&& o) noexcept : res_(o.res_) { o.res_ = nullptr; }
QueryResult& QueryResult::operator=(QueryResult&& o) noexcept {
  if (this != &o) {
    if (res_) PQclear(res_);
    res_ = o.res_;
    o.res_ = nullptr;
  }
  return *this;
}
QueryResult::~QueryResult() {
  if (res_) PQclear(res_);
}

int QueryResult::rows() const { return res_ ? PQntuples(res_) : 0; }
int QueryResult::columns() const { return res_ ? PQnfields(res_) : 0; }
bool QueryResult::IsNull(int row, int col) const { return PQgetisnull(res_, row, col) != 0; }
std::string_view QueryResult::Get(int row, int col) const {
  return std::string_view(PQgetvalue(res_, row, col), PQgetlength(res_, row, col));
}
int64_t QueryResult::GetInt64(int row, int col) const { return std::strtoll(PQgetvalue(res_, row, col), nullptr, 10); }
double QueryResult::GetDouble(int row, int col) const { return std::strtod(PQgetvalue(res_, row, col), nullptr); }
std::optional<std::string> QueryResult::GetOptional(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return GetString(row, col);
}
std::optional<int64_t> QueryResult::GetOptionalInt64(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return GetInt64(row, col);
}
int QueryResult::Column(std::string_view name) const { return res_ ? PQfnumber(res_, std::string(name).c_str()) : -1; }
int64_t QueryResult::Affected() const {
  const char* n = res_ ? PQcmdTuples(res_) : "";
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

Code CodeForSqlState(std::string_view s) {
  if (s.size() != 5) return Code::kUnavailable;  // no SQLSTATE: the connection failed
  if (s.substr(0, 2) == "08" || s == "57P01" || s == "57P02" || s == "57P03" || s.substr(0, 2) == "53") {
    return Code::kUnavailable;
  }
  if (s == "40001" || s == "40P01" || s == "23505" || s == "55P03") return Code::kConflict;
  if (s.substr(0, 2) == "22" || s.substr(0, 2) == "23") return Code::kInvalidArgument;
  return Code::kInternal;
}

std::string OneLine(std::string_view message) {
  std::string out;
  bool pending_break = false;
  for (char c : message) {
    if (c == '\n' || c == '\r') {
      pending_break = true;
      continue;
    }
    if (pending_break) {
      if (c == '\t' || c == ' ') continue;
      out += "; ";
      pending_break = false;
    }
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool IsRetryable(const Status& status) {
  return status.code() == Code::kUnavailable || status.code() == Code::kConflict;
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = OneLine(conn ? PQerrorMessage(conn) : "out of memory");
    PQfinish(conn);
    return Status(Code::kUnavailable, "cannot connect to PostgreSQL: " + msg);
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn));
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

Status Connection::ResultStatus(pg_result* res, std::string_view what) {
  ExecStatusType st = PQresultStatus(res);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_IN || st == PGRES_EMPTY_QUERY) {
    return Status::Ok();
  }
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = OneLine(primary ? primary : PQerrorMessage(conn_));
  if (!healthy()) sqlstate = sqlstate.empty() ? "08006" : sqlstate;
  std::string context(what.substr(0, 60));
  return Status(CodeForSqlState(sqlstate), msg + " [" + context + "]", sqlstate);
}

Result<QueryResult> Connection::Exec(std::string_view sql, const Params& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  std::string text(sql);
  pg_result* res =
      PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr, nullptr, 0);
  QueryResult result(res);
  DI_RETURN_IF_ERROR(ResultStatus(res, sql));
  return result;
}

Status Connection::ExecScript(std::string_view sql) {
  std::string text(sql);
  pg_result* res = PQexec(conn_, text.c_str());
  Status status = ResultStatus(res, sql);
  PQclear(res);
  return status;
}

Status Connection::CopyIn(std::string_view copy_sql, std::string_view data) {
  std::string text(copy_sql);
  pg_result* res = PQexec(conn_, text.c_str());
  if (PQresultStatus(res) != PGRES_COPY_IN) {
    Status status = ResultStatus(res, copy_sql);
    PQclear(res);
    return status.ok() ? Status(Code::kInternal, "COPY did not enter COPY IN state") : status;
  }
  PQclear(res);
  constexpr size_t kChunk = 1 << 20;
  bool sent = true;
  for (size_t off = 0; off < data.size() && sent; off += kChunk) {
    size_t n = std::min(kChunk, data.size() - off);
    sent = PQputCopyData(conn_, data.data() + off, static_cast<int>(n)) == 1;
  }
  if (PQputCopyEnd(conn_, sent ? nullptr : "client failed to send data") != 1) {
    return Status(Code::kUnavailable, std::string("COPY end failed: ") + PQerrorMessage(conn_), "08006");
  }
  Status status;
  while ((res = PQgetResult(conn_)) != nullptr) {
    Status s = ResultStatus(res, copy_sql);
    if (status.ok() && !s.ok()) status = s;
    PQclear(res);
  }
  return status;
}

Result<bool> Connection::WaitForNotify(int timeout_ms) {
  auto drain = [this]() {
    bool any = false;
    while (PGnotify* n = PQnotifies(conn_)) {
      any = true;
      PQfreemem(n);
    }
    return any;
  };
  if (PQconsumeInput(conn_) == 0) return Status(Code::kUnavailable, PQerrorMessage(conn_));
  if (drain()) return true;
  pollfd pfd{PQsocket(conn_), POLLIN, 0};
  int rc = poll(&pfd, 1, timeout_ms);
  if (rc < 0) return false;
  if (rc == 0) return false;
  if (PQconsumeInput(conn_) == 0) return Status(Code::kUnavailable, PQerrorMessage(conn_));
  return drain();
}

Transaction::Transaction(Connection& conn) : conn_(conn) {
  auto r = conn_.Exec("BEGIN");
  begin_ = r.status();
  if (!begin_.ok()) done_ = true;
}

Transaction::~Transaction() {
  // A ROLLBACK can only fail on a broken connection, which the pool then drops.
  if (!done_ && conn_.healthy()) (void)conn_.Exec("ROLLBACK");
}

Status Transaction::Commit() {
  if (done_) return begin_.ok() ? Status(Code::kInternal, "transaction already finished") : begin_;
  done_ = true;
  auto r = conn_.Exec("COMMIT");
  return r.status();
}

void AppendCopyText(std::string* out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        *out += "\\\\";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      default:
        out->push_back(c);
    }
  }
}

}  // namespace di::pg
