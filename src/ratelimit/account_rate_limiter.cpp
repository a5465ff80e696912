#include "ratelimit/account_rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "common/log.h"
#include "ratelimit/fair_share.h"

namespace di::ratelimit {
namespace {

constexpr const char* kEnsureRow = "INSERT INTO rate_limit_slots (account) VALUES ($1) ON CONFLICT DO NOTHING";
// The account's row, locked until the transaction ends, and the database clock.
constexpr const char* kLockRow =
    "SELECT next_free_ms, coalesce(base_rate, 0), base_ms, paused_until_ms,"
    " extract(epoch FROM clock_timestamp()) * 1000"
    " FROM rate_limit_slots WHERE account = $1 FOR UPDATE";
constexpr const char* kGrant = "UPDATE rate_limit_slots SET next_free_ms = $2, grants = grants + 1 WHERE account = $1";
// The account's flows (fair_share.h), read and written under the account row's lock.
constexpr const char* kFlows =
    "SELECT flow, last_slot_ms, last_asked_ms FROM rate_limit_flows WHERE account = $1";
constexpr const char* kFlowAsked =
    "INSERT INTO rate_limit_flows AS f (account, flow, last_asked_ms) VALUES ($1, $2, $3)"
    " ON CONFLICT (account, flow) DO UPDATE SET last_asked_ms = EXCLUDED.last_asked_ms";
constexpr const char* kFlowGrant =
    "INSERT INTO rate_limit_flows AS f (account, flow, last_slot_ms, last_asked_ms, grants) VALUES ($1, $2, $3, $4, 1)"
    " ON CONFLICT (account, flow) DO UPDATE SET last_slot_ms = EXCLUDED.last_slot_ms,"
    "  last_asked_ms = EXCLUDED.last_asked_ms, grants = f.grants + 1";
constexpr const char* kThrottle =
    "UPDATE rate_limit_slots SET base_rate = nullif($2::float8, 0), base_ms = $3, paused_until_ms = $4,"
    " rate_limited = rate_limited + 1, decreases = decreases + $5::int WHERE account = $1";

Status Cancelled() { return Status(Code::kCancelled, "rate limiter shut down"); }

struct LockedRow {
  AccountState state;
  double db_now_ms = 0;
};

Result<LockedRow> LockRow(pg::Connection& conn, const std::string& account) {
  DI_ASSIGN_OR_RETURN(pg::QueryResult r, conn.Exec(kLockRow, {pg::P(account)}));
  if (r.rows() != 1) return Status(Code::kInternal, "rate_limit_slots has no row for account " + account);
  LockedRow row;
  row.state.next_free_ms = r.GetDouble(0, 0);
  row.state.base_rate = r.GetDouble(0, 1);
  row.state.base_ms = r.GetDouble(0, 2);
  row.state.paused_until_ms = r.GetDouble(0, 3);
  row.db_now_ms = r.GetDouble(0, 4);
  return row;
}

Result<std::vector<FlowRow>> ReadFlows(pg::Connection& conn, const std::string& account) {
  DI_ASSIGN_OR_RETURN(pg::QueryResult r, conn.Exec(kFlows, {pg::P(account)}));
  std::vector<FlowRow> flows;
  for (int i = 0; i < r.rows(); ++i) flows.push_back({r.GetString(i, 0), r.GetDouble(i, 1), r.GetDouble(i, 2)});
  return flows;
}

}  // namespace

AccountRateLimiter::AccountRateLimiter(std::shared_ptr<pg::Pool> pool, AccountRateLimiterOptions options)
    : pool_(std::move(pool)), options_(std::move(options)), current_rate_(options_.requests_per_second) {
  options_.policy.ceiling = options_.requests_per_second;
}

int64_t AccountRateLimiter::reservations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reservations_;
}

void AccountRateLimiter::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shut_down_ = true;
  cv_.notify_all();
}

Result<Millis> AccountRateLimiter::Reserve(const std::string& flow) {
  uint64_t generation;
  bool ensured;
  {
    std::lock_guard<std::mutex> lock(mu_);
    generation = generation_;
    ensured = row_ensured_;
  }
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  if (!ensured) {
    DI_RETURN_IF_ERROR(conn->Exec(kEnsureRow, {pg::P(options_.account)}).status());
    std::lock_guard<std::mutex> lock(mu_);
    row_ensured_ = true;
  }
  pg::Transaction tx(*conn);
  DI_RETURN_IF_ERROR(tx.begin_status());
  DI_ASSIGN_OR_RETURN(LockedRow row, LockRow(*conn, options_.account));
  const double horizon_ms = static_cast<double>(options_.horizon.count());
  if (!flow.empty()) {
    DI_ASSIGN_OR_RETURN(std::vector<FlowRow> flows, ReadFlows(*conn, options_.account));
    const FairShareDecision share = DecideFairShare(flows, flow, row.db_now_ms, horizon_ms);
    if (!share.may_reserve) {
      DI_RETURN_IF_ERROR(conn->Exec(kFlowAsked, {pg::P(options_.account), pg::P(flow), pg::P(row.db_now_ms)}).status());
      DI_RETURN_IF_ERROR(tx.Commit());
      // Nothing changes before the next slot passes: no sooner than that.
      const double slot_ms = 1000.0 / std::max(0.1, current_rate_.load());
      return Millis(static_cast<int64_t>(std::ceil(std::max(share.wait_ms, slot_ms))));
    }
  }
  const Grant g = ratelimit::Reserve(options_.policy, row.state, row.db_now_ms, options_.block, horizon_ms);
  current_rate_ = g.rate;
  if (g.slots == 0) {
    DI_RETURN_IF_ERROR(tx.Commit());
    return Millis(static_cast<int64_t>(g.wait_ms));
  }
  DI_RETURN_IF_ERROR(conn->Exec(kGrant, {pg::P(options_.account), pg::P(g.next.next_free_ms)}).status());
  DI_RETURN_IF_ERROR(conn->Exec(kFlowGrant, {pg::P(options_.account), pg::P(flow), pg::P(g.next.next_free_ms),
                                             pg::P(row.db_now_ms)})
                         .status());
  DI_RETURN_IF_ERROR(tx.Commit());
  const int64_t local_now = DefaultClock().MonotonicMs();
  db_minus_local_ms_ = static_cast<int64_t>(std::llround(row.db_now_ms)) - local_now;
  offset_known_ = true;
  std::lock_guard<std::mutex> lock(mu_);
  ++reservations_;
  if (generation != generation_) return Millis(0);  // a 429 meanwhile: these slots may predate its pause
  std::deque<int64_t>& slots = flows_[flow].slots;
  for (int i = 0; i < g.slots; ++i) {
    const double at = g.first_ms + i * g.interval_ms;
    slots.push_back(local_now + static_cast<int64_t>(std::ceil(at - row.db_now_ms)));
  }
  return Millis(0);
}

Result<bool> AccountRateLimiter::SleepUntil(int64_t local_ms, uint64_t generation) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!shut_down_) {
    if (generation != generation_) return false;
    const int64_t left = local_ms - DefaultClock().MonotonicMs();
    if (left <= 0) return true;
    cv_.wait_for(lock, Millis(left));
  }
  return Cancelled();
}

Status AccountRateLimiter::AcquireFor(const std::string& flow) {
  while (true) {
    std::unique_lock<std::mutex> lock(mu_);
    FlowSlots& mine = flows_[flow];
    if (shut_down_) return Cancelled();
    const int64_t now = DefaultClock().MonotonicMs();
    if (paused_until_ > now) {
      cv_.wait_for(lock, Millis(paused_until_ - now));
      continue;
    }
    // A named flow uses the unnamed flow's leftover slots first: the block
    // an authentication reserved is not lost to the account.
    std::deque<int64_t>* source = &mine.slots;
    if (source->empty() && !flow.empty()) {
      auto unnamed = flows_.find(std::string());
      if (unnamed != flows_.end() && !unnamed->second.slots.empty()) source = &unnamed->second.slots;
    }
    if (!source->empty()) {
      const int64_t slot = source->front();
      source->pop_front();
      const uint64_t generation = generation_;
      lock.unlock();
      DI_ASSIGN_OR_RETURN(bool kept, SleepUntil(slot, generation));
      if (kept) return Status::Ok();
      continue;
    }
    if (mine.reserving) {
      cv_.wait(lock);
      continue;
    }
    mine.reserving = true;
    lock.unlock();
    Result<Millis> wait = Reserve(flow);
    lock.lock();
    mine.reserving = false;
    cv_.notify_all();
    if (!wait.ok()) return wait.status();
    if (wait->count() > 0) {
      const int64_t until = DefaultClock().MonotonicMs() + wait->count();
      cv_.wait_for(lock, *wait, [&] { return shut_down_ || DefaultClock().MonotonicMs() >= until; });
    }
  }
}

void AccountRateLimiter::OnRateLimited(int64_t sent_at_ms, std::optional<Millis> retry_after) {
  ++rate_limited_;
  {
    const Millis pause =
        std::clamp(retry_after.value_or(options_.policy.default_pause), Millis(0), options_.policy.max_pause);
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [name, f] : flows_) f.slots.clear();
    ++generation_;
    paused_until_ = std::max(paused_until_, DefaultClock().MonotonicMs() + pause.count());
    cv_.notify_all();
  }
  Status s = Throttle(sent_at_ms, retry_after);
  if (!s.ok()) {
    log::Warn("cannot record a 429 in the account's rate; this process pauses alone",
              {{"account", options_.account}, {"error", s.ToString()}});
  }
}

Status AccountRateLimiter::Throttle(int64_t sent_at_ms, std::optional<Millis> retry_after) {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  DI_RETURN_IF_ERROR(conn->Exec(kEnsureRow, {pg::P(options_.account)}).status());
  pg::Transaction tx(*conn);
  DI_RETURN_IF_ERROR(tx.begin_status());
  DI_ASSIGN_OR_RETURN(LockedRow row, LockRow(*conn, options_.account));
  const double sent_at = offset_known_ ? static_cast<double>(sent_at_ms + db_minus_local_ms_.load()) : row.db_now_ms;
  const ratelimit::Throttle t =
      ratelimit::OnRateLimited(options_.policy, row.state, row.db_now_ms, sent_at, retry_after);
  DI_RETURN_IF_ERROR(conn->Exec(kThrottle, {pg::P(options_.account), pg::P(t.next.base_rate), pg::P(t.next.base_ms),
                                            pg::P(t.next.paused_until_ms), pg::P(t.decreased ? 1 : 0)})
                         .status());
  DI_RETURN_IF_ERROR(tx.Commit());
  current_rate_ = t.rate;
  if (t.decreased) {
    ++decreases_;
    log::Info("Nivoda answered 429: account rate lowered",
              {{"account", options_.account},
               {"rate", t.rate},
               {"pause_ms", static_cast<int64_t>(t.next.paused_until_ms - row.db_now_ms)}});
  }
  return Status::Ok();
}

}  // namespace di::ratelimit
