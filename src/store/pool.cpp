#include "store/pool.h"

namespace di::pg {

PooledConnection::~PooledConnection() {
  if (pool_ && conn_) pool_->Release(std::move(conn_));
}

Result<PooledConnection> Pool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !idle_.empty() || open_ < max_size_; });
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return PooledConnection(this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  auto conn = Connection::Open(url_);
  if (!conn.ok()) {
    lock.lock();
    --open_;
    cv_.notify_one();
    return conn.status();
  }
  return PooledConnection(this, std::move(conn).value());
}

void Pool::Release(std::unique_ptr<Connection> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (conn->healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  cv_.notify_one();
}

}  // namespace di::pg
