// The database-fault scenario's private PostgreSQL: see db_faults_postgres.h.
#include "db_faults_postgres.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "store/embedded_postgres.h"
#include "store/pg.h"

namespace di::testing::reliability {
namespace fs = std::filesystem;
namespace {

// The directory holding data/ and postgres.log: DIR, or where DIR/cluster
// points when the cluster had to live elsewhere (embedded_postgres.h).
fs::path ClusterRoot(const std::string& dir) {
  std::ifstream in(fs::path(dir) / "cluster");
  std::string moved;
  if (in && std::getline(in, moved) && !moved.empty()) return moved;
  return fs::absolute(dir);
}

std::string PgCtl() {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(e.path() / "bin" / "pg_ctl")) found.push_back(e.path() / "bin" / "pg_ctl");
  }
  std::sort(found.begin(), found.end());
  return found.empty() ? "" : found.back().string();
}

// Runs ARGV as the cluster's user ("postgres") when we are root; returns the exit code.
int RunAsClusterUser(const std::vector<std::string>& argv, const std::string& log_path) {
  pid_t pid = fork();
  if (pid == 0) {
    if (geteuid() == 0) {
      passwd* pw = getpwnam("postgres");
      if (!pw || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) _exit(126);
    }
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace

std::string PrivatePostgresDir(const std::string& name) {
  const char* base = std::getenv("DI_TEST_SERVERS_DIR");
  return (fs::path(base ? base : "/tmp/diamond-ingest-test-servers") / (name + "-pg")).string();
}

Result<std::string> StartPrivatePostgres(const std::string& dir, const std::string& database) {
  pg::EmbeddedOptions options;
  options.dir = dir;
  options.database = "postgres";
  options.durable = false;
  options.max_connections = 100;
  DI_ASSIGN_OR_RETURN(std::string admin_url, pg::EmbeddedPostgres::StartOrReuse(options));
  DI_ASSIGN_OR_RETURN(auto admin, pg::Connection::Open(admin_url));
  DI_RETURN_IF_ERROR(admin->Exec("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)").status());
  DI_RETURN_IF_ERROR(admin->Exec("CREATE DATABASE " + database).status());
  return admin_url.substr(0, admin_url.rfind('/') + 1) + database;
}

Status RestartPrivatePostgres(const std::string& dir) {
  std::string pg_ctl = PgCtl();
  if (pg_ctl.empty()) return Status(Code::kInternal, "pg_ctl not found under /usr/lib/postgresql");
  fs::path root = ClusterRoot(dir);
  std::string log = (root / "postgres.log").string();
  int rc = RunAsClusterUser({pg_ctl, "-D", (root / "data").string(), "-l", log, "-m", "fast", "-w", "-t", "60",
                             "restart"},
                            log);
  if (rc != 0) return Status(Code::kInternal, "pg_ctl restart failed (exit " + std::to_string(rc) + "), see " + log);
  return Status::Ok();
}

Status StopPrivatePostgres(const std::string& dir) { return pg::EmbeddedPostgres::Stop(dir); }

}  // namespace di::testing::reliability
