#include "store/embedded_postgres.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

#include "common/log.h"
#include "store/pg.h"

namespace di::pg {
namespace fs = std::filesystem;
namespace {

std::string FindBinDir() {
  std::vector<fs::path> candidates;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(entry.path() / "bin" / "pg_ctl")) candidates.push_back(entry.path() / "bin");
  }
  std::sort(candidates.begin(), candidates.end(), [](const fs::path& a, const fs::path& b) {
    return std::stoi(a.parent_path().filename().string()) > std::stoi(b.parent_path().filename().string());
  });
  return candidates.empty() ? std::string() : candidates.front().string();
}

// Runs ARGV (as OS_USER when we are root) and waits. Returns the exit status.
Result<int> RunAs(const std::vector<std::string>& argv, const std::string& os_user, const std::string& log_path) {
  uid_t uid = 0;
  gid_t gid = 0;
  bool drop = geteuid() == 0;
  if (drop) {
    passwd* pw = getpwnam(os_user.c_str());
    if (!pw) {
      return Status(Code::kInternal, "running as root needs the unprivileged user '" + os_user +
                                         "' for PostgreSQL (apt-get install postgresql-15 creates it)");
    }
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  pid_t pid = fork();
  if (pid < 0) return Status(Code::kInternal, "fork failed");
  if (pid == 0) {
    if (drop && (setgid(gid) != 0 || setuid(uid) != 0)) _exit(126);
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
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

Status ChownTree(const fs::path& dir, const std::string& os_user) {
  if (geteuid() != 0) return Status::Ok();
  passwd* pw = getpwnam(os_user.c_str());
  if (!pw) return Status(Code::kInternal, "no user '" + os_user + "' to own the PostgreSQL cluster");
  std::error_code ec;
  if (chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) return Status(Code::kInternal, "chown " + dir.string());
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); ++it) {
    if (lchown(it->path().c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return Status(Code::kInternal, "chown " + it->path().string());
    }
  }
  return Status::Ok();
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// postmaster.pid: line 1 pid, line 4 port.
bool ReadPidFile(const fs::path& data, pid_t* pid, int* port) {
  std::ifstream in(data / "postmaster.pid");
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  if (lines.size() < 4) return false;
  *pid = static_cast<pid_t>(std::stol(lines[0]));
  *port = std::stoi(lines[3]);
  return *pid > 0;
}

std::string UrlFor(int port, const std::string& database) {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/" + database;
}

// True when every ancestor of DIR can be traversed by UID/GID (as the
// cluster's user must, e.g. not under a 0700 directory made by mktemp -d).
bool ReachableBy(const fs::path& dir, uid_t uid, gid_t gid) {
  for (fs::path p = dir.parent_path(); !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (stat(p.c_str(), &st) != 0) return false;
    bool x = (st.st_mode & S_IXOTH) || (st.st_uid == uid && (st.st_mode & S_IXUSR)) ||
             (st.st_gid == gid && (st.st_mode & S_IXGRP));
    if (!x) return false;
    if (p == p.parent_path()) break;
  }
  return true;
}

// Where the cluster of DIR lives: DIR itself, or (as root, when the cluster's
// user cannot reach DIR) a directory under /var/tmp recorded in DIR/cluster.
fs::path ClusterRoot(const fs::path& dir) {
  std::ifstream in(dir / "cluster");
  std::string moved;
  if (in && std::getline(in, moved) && !moved.empty()) return moved;
  return dir;
}

Result<fs::path> ChooseClusterRoot(const fs::path& dir, const std::string& os_user) {
  if (geteuid() != 0) return dir;
  passwd* pw = getpwnam(os_user.c_str());
  if (!pw || ReachableBy(dir, pw->pw_uid, pw->pw_gid)) return ClusterRoot(dir);
  fs::path root =
      fs::path("/var/tmp") / ("diamond-ingest-pg-" + std::to_string(std::hash<std::string>{}(dir.string())));
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Status(Code::kInternal, "cannot create " + root.string() + ": " + ec.message());
  std::ofstream(dir / "cluster") << root.string() << "\n";
  return root;
}

}  // namespace

bool EmbeddedPostgres::IsRunning(const std::string& dir) {
  pid_t pid = 0;
  int port = 0;
  return ReadPidFile(ClusterRoot(fs::absolute(dir)) / "data", &pid, &port) && kill(pid, 0) == 0;
}

Result<std::string> EmbeddedPostgres::StartOrReuse(const EmbeddedOptions& o) {
  fs::path requested = fs::absolute(o.dir);
  std::error_code ec;
  fs::create_directories(requested, ec);
  if (ec) return Status(Code::kInternal, "cannot create " + requested.string() + ": " + ec.message());
  DI_ASSIGN_OR_RETURN(fs::path dir, ChooseClusterRoot(requested, o.os_user));
  if (dir != requested) {
    log::Info("the PostgreSQL user cannot reach the data directory; the cluster lives elsewhere",
              {{"requested", requested.string()}, {"cluster", dir.string()}});
  }
  fs::path data = dir / "data";
  std::string bin = FindBinDir();
  if (bin.empty()) return Status(Code::kInternal, "PostgreSQL server binaries not found under /usr/lib/postgresql");
  std::string log_path = (dir / "postgres.log").string();

  pid_t pid = 0;
  int port = 0;
  bool running = ReadPidFile(data, &pid, &port) && kill(pid, 0) == 0;
  if (!running) {
    DI_RETURN_IF_ERROR(ChownTree(dir, o.os_user));
    if (!fs::exists(data / "PG_VERSION")) {
      DI_ASSIGN_OR_RETURN(int rc, RunAs({bin + "/initdb", "-D", data.string(), "-U", "postgres", "-A", "trust", "-E",
                                         "UTF8", "--locale=C", "--no-sync"},
                                        o.os_user, log_path));
      if (rc != 0) return Status(Code::kInternal, "initdb failed (exit " + std::to_string(rc) + "), see " + log_path);
    }
    port = FreePort();
    std::ostringstream opts;
    opts << "-p " << port << " -k " << dir.string() << " -c listen_addresses=127.0.0.1"
         << " -c max_connections=" << o.max_connections;
    if (!o.durable) opts << " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
    DI_ASSIGN_OR_RETURN(int rc, RunAs({bin + "/pg_ctl", "-D", data.string(), "-l", log_path, "-w", "-t", "60", "-o",
                                       opts.str(), "start"},
                                      o.os_user, log_path));
    if (rc != 0)
      return Status(Code::kInternal, "pg_ctl start failed (exit " + std::to_string(rc) + "), see " + log_path);
    log::Info("started embedded PostgreSQL", {{"dir", dir.string()}, {"port", port}});
  } else {
    log::Info("reusing embedded PostgreSQL", {{"dir", dir.string()}, {"port", port}});
  }

  DI_ASSIGN_OR_RETURN(auto admin, Connection::Open(UrlFor(port, "postgres")));
  DI_ASSIGN_OR_RETURN(auto exists, admin->Exec("SELECT 1 FROM pg_database WHERE datname = $1", {P(o.database)}));
  if (exists.rows() == 0) {
    std::string quoted = "\"";
    for (char c : o.database) quoted += (c == '"') ? std::string("\"\"") : std::string(1, c);
    quoted += "\"";
    auto created = admin->Exec("CREATE DATABASE " + quoted);
    if (!created.ok() && created.status().sqlstate() != "42P04") return created.status();
  }
  return UrlFor(port, o.database);
}

Status EmbeddedPostgres::Stop(const std::string& dir) {
  pid_t pid = 0;
  int port = 0;
  if (!ReadPidFile(ClusterRoot(fs::absolute(dir)) / "data", &pid, &port)) return Status::Ok();
  if (kill(pid, SIGINT) != 0) return Status::Ok();  // already gone
  for (int i = 0; i < 600; ++i) {
    if (kill(pid, 0) != 0) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status(Code::kUnavailable, "PostgreSQL (pid " + std::to_string(pid) + ") did not stop within 30 s");
}

Status EmbeddedPostgres::Restart(const std::string& dir, const std::string& os_user) {
  fs::path root = ClusterRoot(fs::absolute(dir));
  std::string bin = FindBinDir();
  if (bin.empty()) return Status(Code::kInternal, "PostgreSQL server binaries not found under /usr/lib/postgresql");
  std::string log_path = (root / "postgres.log").string();
  DI_ASSIGN_OR_RETURN(int rc, RunAs({bin + "/pg_ctl", "-D", (root / "data").string(), "-l", log_path, "-m", "fast",
                                     "-w", "-t", "60", "restart"},
                                    os_user, log_path));
  if (rc != 0)
    return Status(Code::kInternal, "pg_ctl restart failed (exit " + std::to_string(rc) + "), see " + log_path);
  return Status::Ok();
}

}  // namespace di::pg
