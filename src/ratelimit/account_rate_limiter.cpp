#include "ratelimit/account_rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace di::ratelimit {
namespace {

constexpr const char* kEnsureRow = "INSERT INTO rate_limit_slots (account) VALUES ($1) ON CONFLICT DO NOTHING";
// Reserves $2 slots of $3 ms each, starting no earlier than now, if the next
// free slot is within the horizon $4. Returns the first slot and the db clock.
constexpr const char* kReserve =
    "WITH c AS (SELECT extract(epoch FROM clock_timestamp()) * 1000 AS now_ms)"
    " UPDATE rate_limit_slots r SET next_free_ms = greatest(r.next_free_ms, c.now_ms) + $2::int * $3::float8,"
    "                              grants = r.grants + 1"
    " FROM c WHERE r.account = $1 AND r.next_free_ms <= c.now_ms + $4::float8"
    " RETURNING r.next_free_ms - $2::int * $3::float8, c.now_ms";
constexpr const char* kPeek =
    "SELECT next_free_ms, extract(epoch FROM clock_timestamp()) * 1000 FROM rate_limit_slots WHERE account = $1";

}  // namespace

AccountRateLimiter::AccountRateLimiter(std::shared_ptr<pg::Pool> pool, AccountRateLimiterOptions options)
    : pool_(std::move(pool)), options_(std::move(options)), interval_ms_(1000.0 / options_.requests_per_second) {
  if (options_.block <= 0) options_.block = std::max(1, static_cast<int>(options_.requests_per_second / 5));
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

Result<Millis> AccountRateLimiter::Reserve() {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  DI_RETURN_IF_ERROR(conn->Exec(kEnsureRow, {pg::P(options_.account)}).status());
  DI_ASSIGN_OR_RETURN(auto r, conn->Exec(kReserve, {pg::P(options_.account), pg::P(options_.block), pg::P(interval_ms_),
                                                    pg::P(static_cast<int64_t>(options_.horizon.count()))}));
  int64_t local_now = DefaultClock().MonotonicMs();
  if (r.rows() == 1) {
    double first = r.GetDouble(0, 0);
    double db_now = r.GetDouble(0, 1);
    std::lock_guard<std::mutex> lock(mu_);
    ++reservations_;
    for (int i = 0; i < options_.block; ++i) {
      double at = first + i * interval_ms_;
      slots_.push_back(local_now + static_cast<int64_t>(std::ceil(at - db_now)));
    }
    return Millis(0);
  }
  DI_ASSIGN_OR_RETURN(auto peek, conn->Exec(kPeek, {pg::P(options_.account)}));
  double wait = peek.GetDouble(0, 0) - peek.GetDouble(0, 1) - static_cast<double>(options_.horizon.count());
  return Millis(std::clamp<int64_t>(static_cast<int64_t>(wait) + 1, 1, options_.horizon.count()));
}

Status AccountRateLimiter::SleepUntil(int64_t local_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!shut_down_) {
    int64_t left = local_ms - DefaultClock().MonotonicMs();
    if (left <= 0) return Status::Ok();
    cv_.wait_for(lock, Millis(left));
  }
  return Status(Code::kCancelled, "rate limiter shut down");
}

Status AccountRateLimiter::Acquire() {
  while (true) {
    std::unique_lock<std::mutex> lock(mu_);
    if (shut_down_) return Status(Code::kCancelled, "rate limiter shut down");
    if (!slots_.empty()) {
      int64_t slot = slots_.front();
      slots_.pop_front();
      lock.unlock();
      return SleepUntil(slot);
    }
    if (reserving_) {
      cv_.wait(lock);
      continue;
    }
    reserving_ = true;
    lock.unlock();
    Result<Millis> wait = Reserve();
    lock.lock();
    reserving_ = false;
    cv_.notify_all();
    lock.unlock();
    if (!wait.ok()) return wait.status();
    if (wait->count() > 0) DI_RETURN_IF_ERROR(SleepUntil(DefaultClock().MonotonicMs() + wait->count()));
  }
}

}  // namespace di::ratelimit
