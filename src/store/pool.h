// A small connection pool. Thread-safe.
//
// Acquire() hands out a connection (opening one if fewer than max_size exist,
// otherwise waiting for one to come back). A PooledConnection returns its
// connection on destruction; a broken connection is dropped instead, so the
// next Acquire() reconnects (this is how workers survive a PostgreSQL restart).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/pg.h"

namespace di::pg {

class Pool;

class PooledConnection {
 public:
  PooledConnection(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
  PooledConnection(PooledConnection&&) = default;
  PooledConnection& operator=(PooledConnection&&) = default;
  ~PooledConnection();
  Connection& operator*() { return *conn_; }
  Connection* operator->() { return conn_.get(); }
  Connection& get() { return *conn_; }

 private:
  Pool* pool_;
  std::unique_ptr<Connection> conn_;
};

class Pool {
 public:
  Pool(std::string url, int max_size) : url_(std::move(url)), max_size_(max_size) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Unavailable when a new connection cannot be opened.
  Result<PooledConnection> Acquire();
  const std::string& url() const { return url_; }

 private:
  friend class PooledConnection;
  void Release(std::unique_ptr<Connection> conn);

  const std::string url_;
  const int max_size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;
};

}  // namespace di::pg
