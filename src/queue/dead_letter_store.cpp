#include "queue/dead_letter_store.h"

#include <algorithm>

namespace di::queue {
namespace {

constexpr const char* kColumns =
    "id, queue, body, coalesce(dedup_id, ''), delivery_count, reason, coalesce(description, ''),"
    " to_char(dead_lettered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), handled_at IS NOT NULL";
const std::string kList = std::string("SELECT ") + kColumns +
                          " FROM queue_dead_letters WHERE ($1::text IS NULL OR queue = $1)"
                          " ORDER BY dead_lettered_at DESC, id DESC LIMIT $2";
const std::string kTake = std::string("DELETE FROM queue_dead_letters WHERE ($1::text IS NULL OR queue = $1)") +
                          " AND ($2::bigint IS NULL OR id = $2) RETURNING " + kColumns;

std::vector<StoredDeadLetter> Rows(const pg::QueryResult& r) {
  std::vector<StoredDeadLetter> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.GetInt64(i, 0), r.GetString(i, 1), r.GetString(i, 2), r.GetString(i, 3),
                   static_cast<int>(r.GetInt64(i, 4)), r.GetString(i, 5), r.GetString(i, 6), r.GetString(i, 7),
                   r.GetBool(i, 8)});
  }
  return out;
}

}  // namespace

Result<std::vector<StoredDeadLetter>> ListDeadLetters(pg::Connection& conn, const std::optional<std::string>& queue,
                                                      int limit) {
  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kList, {pg::P(queue), pg::P(limit)}));
  return Rows(r);
}

Result<std::vector<StoredDeadLetter>> TakeDeadLetters(pg::Connection& conn, const std::optional<std::string>& queue,
                                                      std::optional<int64_t> id) {
  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kTake, {pg::P(queue), pg::P(id)}));
  std::vector<StoredDeadLetter> rows = Rows(r);
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return rows;
}

}  // namespace di::queue
