#include "ingest/raw_writer.h"

#include <algorithm>
#include <chrono>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/log.h"

namespace di::ingest {
namespace {

constexpr const char* kStage =
    "CREATE TEMP TABLE IF NOT EXISTS raw_stage (supplier_stone_id text, offer_id text, price_cents bigint,"
    " source_updated_at timestamptz, payload text, payload_hash text) ON COMMIT DELETE ROWS";
constexpr const char* kCopy =
    "COPY raw_stage (supplier_stone_id, offer_id, price_cents, source_updated_at, payload, payload_hash)"
    " FROM STDIN";
#define DI_NEWER_X                                                                                       \
  "(r.source_updated_at IS NULL OR EXCLUDED.source_updated_at IS NULL OR EXCLUDED.source_updated_at >= " \
  "r.source_updated_at)"
// DI_NEWER_X: the incoming version is at least as new as the stored one.
constexpr const char* kMerge =
    "INSERT INTO raw_diamonds_nivoda AS r (supplier_stone_id, feed, run_id, offer_id, price_cents,"
    "  source_updated_at, payload, payload_hash)"
    " SELECT supplier_stone_id, $1, $2, offer_id, price_cents, source_updated_at, payload::json, payload_hash"
    " FROM raw_stage"
    " ON CONFLICT (supplier_stone_id) DO UPDATE SET"
    "  run_id = EXCLUDED.run_id, feed = EXCLUDED.feed, updated_at = now(),"
    "  offer_id = CASE WHEN " DI_NEWER_X
    " THEN EXCLUDED.offer_id ELSE r.offer_id END,"
    "  price_cents = CASE WHEN " DI_NEWER_X
    " THEN EXCLUDED.price_cents ELSE r.price_cents END,"
    "  payload = CASE WHEN " DI_NEWER_X
    " THEN EXCLUDED.payload ELSE r.payload END,"
    "  payload_hash = CASE WHEN " DI_NEWER_X
    " THEN EXCLUDED.payload_hash ELSE r.payload_hash END,"
    "  source_updated_at = CASE WHEN " DI_NEWER_X
    " THEN EXCLUDED.source_updated_at ELSE r.source_updated_at END"
    " WHERE r.run_id IS DISTINCT FROM EXCLUDED.run_id OR r.payload_hash <> EXCLUDED.payload_hash";
constexpr const char* kExisting =
    "SELECT supplier_stone_id FROM raw_diamonds_nivoda WHERE supplier_stone_id = ANY($1::text[])";
constexpr const char* kCopyNew =
    "COPY raw_diamonds_nivoda (supplier_stone_id, offer_id, price_cents, source_updated_at, payload, payload_hash,"
    " feed, run_id) FROM STDIN";
constexpr const char* kFailure =
    "INSERT INTO raw_offer_failures (run_id, partition_id, reason, raw) VALUES ($1, $2, $3, $4)";

void AppendField(std::string* out, std::string_view value, bool last = false) {
  if (value.empty()) {
    *out += "\\N";
  } else {
    pg::AppendCopyText(out, value);
  }
  out->push_back(last ? '\n' : '\t');
}

// Each stone once, its newest version (ON CONFLICT cannot touch a row twice in
// one statement; de-duplicating here spares the server a sort of the payloads).
std::vector<const nivoda::Offer*> NewestPerStone(const std::vector<nivoda::Offer>& offers) {
  std::unordered_map<std::string_view, const nivoda::Offer*> newest;
  newest.reserve(offers.size());
  std::vector<const nivoda::Offer*> order;
  for (const auto& o : offers) {
    auto [it, inserted] = newest.try_emplace(o.stone_id, &o);
    if (inserted) {
      order.push_back(&o);
    } else if (o.updated_at >= it->second->updated_at) {
      *std::find(order.begin(), order.end(), it->second) = &o;
      it->second = &o;
    }
  }
  return order;
}

// A new stone of the batch inserted by another transaction meanwhile.
constexpr const char* kUniqueViolation = "23505";

}  // namespace

Status WriteRawBatch(pg::Connection& conn, const RawTarget& target, const RawBatch& batch) {
  pg::Transaction tx(conn);
  DI_RETURN_IF_ERROR(tx.begin_status());
  if (!batch.offers.empty()) {
    std::vector<const nivoda::Offer*> rows = NewestPerStone(batch.offers);
    // Stones already stored take the merge; new ones are copied straight in.
    // (A neighbour inserting the same new stone meanwhile makes the COPY fail
    // with a unique violation: the batch is retried and takes the merge.)
    std::string ids = "{";
    for (const auto* o : rows) {
      if (ids.size() > 1) ids += ',';
      ids += '"';
      for (char c : o->stone_id) {
        if (c == '"' || c == '\\') ids += '\\';
        ids += c;
      }
      ids += '"';
    }
    ids += '}';
    DI_ASSIGN_OR_RETURN(auto existing_rows, conn.Exec(kExisting, {pg::P(ids)}));
    std::unordered_set<std::string> existing;
    for (int i = 0; i < existing_rows.rows(); ++i) existing.insert(existing_rows.GetString(i, 0));
    std::string fresh, merge;
    for (const auto* row : rows) {
      const nivoda::Offer& o = *row;
      std::string& data = existing.count(o.stone_id) ? merge : fresh;
      AppendField(&data, o.stone_id);
      pg::AppendCopyText(&data, o.offer_id);  // NOT NULL: an empty id stays an empty string
      data.push_back('\t');
      AppendField(&data, std::to_string(o.price_cents));
      AppendField(&data, o.updated_at);
      AppendField(&data, o.raw_json);
      if (&data == &merge) {
        AppendField(&data, o.sha256_hex, /*last=*/true);
      } else {
        AppendField(&data, o.sha256_hex);
        AppendField(&data, target.feed);
        AppendField(&data, target.run_id, /*last=*/true);
      }
    }
    if (!fresh.empty()) DI_RETURN_IF_ERROR(conn.CopyIn(kCopyNew, fresh));
    if (!merge.empty()) {
      DI_RETURN_IF_ERROR(conn.Exec(kStage).status());
      DI_RETURN_IF_ERROR(conn.CopyIn(kCopy, merge));
      DI_RETURN_IF_ERROR(conn.Exec(kMerge, {pg::P(target.feed), pg::P(target.run_id)}).status());
    }
  }
  for (const auto& bad : batch.bad_items) {
    DI_RETURN_IF_ERROR(
        conn.Exec(kFailure, {pg::P(target.run_id), pg::P(target.partition_id), pg::P(bad.reason), pg::P(bad.raw_json)})
            .status());
  }
  if (batch.checkpoint) {
    DI_RETURN_IF_ERROR(store::SaveCheckpoint(conn, target.run_id, target.partition_id, *batch.checkpoint));
  }
  return tx.Commit();
}

RawWriter::RawWriter(std::shared_ptr<pg::Pool> pool, RawTarget target, int max_pending, int max_attempts)
    : pool_(std::move(pool)),
      target_(std::move(target)),
      max_pending_(static_cast<size_t>(max_pending)),
      max_attempts_(max_attempts),
      thread_([this] { Loop(); }) {}

RawWriter::~RawWriter() {
  Status s = Flush();
  if (!s.ok()) log::Error("raw writer closed with an error", {{"run_id", target_.run_id}, {"error", s.ToString()}});
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Status RawWriter::Submit(RawBatch batch) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !error_.ok() || pending_.size() < max_pending_; });
  if (!error_.ok()) return error_;
  pending_.push_back(std::move(batch));
  cv_.notify_all();
  return Status::Ok();
}

Status RawWriter::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !error_.ok() || (pending_.empty() && !busy_); });
  return error_;
}

int64_t RawWriter::offers_written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return offers_written_;
}

Status RawWriter::CommitWithRetry(const RawBatch& merged) {
  Status last;
  for (int attempt = 1; attempt <= max_attempts_; ++attempt) {
    auto conn = pool_->Acquire();
    if (conn.ok()) {
      last = WriteRawBatch(**conn, target_, merged);
      if (last.ok()) return last;
    } else {
      last = conn.status();
    }
    if (last.sqlstate() == kUniqueViolation) {
      // Expected: partitions share their boundary dollars, and a neighbour
      // inserted one of this batch's new stones meanwhile. At once, as a merge.
      log::Info("a neighbouring partition stored one of these new stones meanwhile; writing the batch again",
                {{"run_id", target_.run_id}, {"partition_id", target_.partition_id}, {"attempt", attempt}});
      continue;
    }
    if (!pg::IsRetryable(last) && last.code() != Code::kUnavailable) return last;
    log::Warn("raw write failed; retrying", {{"run_id", target_.run_id},
                                             {"partition_id", target_.partition_id},
                                             {"attempt", attempt},
                                             {"error", last.ToString()}});
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(200 << attempt, 5000)));
  }
  return last;
}

void RawWriter::Loop() {
  while (true) {
    RawBatch merged;
    size_t taken = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;
      busy_ = true;
      // Merge what is queued (bounded) into one transaction; the last checkpoint wins.
      while (!pending_.empty() && merged.offers.size() < 2000) {
        RawBatch& b = pending_.front();
        for (auto& o : b.offers) merged.offers.push_back(std::move(o));
        for (auto& bad : b.bad_items) merged.bad_items.push_back(std::move(bad));
        if (b.checkpoint) merged.checkpoint = b.checkpoint;
        pending_.pop_front();
        ++taken;
      }
      cv_.notify_all();
    }
    Status s = CommitWithRetry(merged);
    std::lock_guard<std::mutex> lock(mu_);
    busy_ = false;
    if (s.ok()) {
      offers_written_ += static_cast<int64_t>(merged.offers.size());
    } else if (error_.ok()) {
      error_ = s;
      pending_.clear();
    }
    cv_.notify_all();
  }
}

}  // namespace di::ingest
