#include "store/embedded_postgres.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
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

#include "common/codec.h"
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

// The server's one port: with no TCP listener it only names the socket file.
constexpr int kPort = 5432;
// sun_path holds 108 bytes with the terminating NUL.
constexpr size_t kMaxSocketPath = 107;

// What postmaster.pid says (lines: 1 pid, 4 port, 5 socket directory, 6
// listen address; empty when the server listens on no TCP address).
struct PidFile {
  pid_t pid = 0;
  int port = 0;
  std::string socket_dir;
  std::string listen_address;
};

bool ReadPidFile(const fs::path& data, PidFile* out) {
  std::ifstream in(data / "postmaster.pid");
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  if (lines.size() < 4) return false;
  try {
    out->pid = static_cast<pid_t>(std::stol(lines[0]));
    out->port = std::stoi(lines[3]);
  } catch (const std::exception&) {
    return false;
  }
  out->socket_dir = lines.size() > 4 ? lines[4] : "";
  out->listen_address = lines.size() > 5 ? lines[5] : "";
  return out->pid > 0;
}

bool ReadRunning(const fs::path& data, PidFile* out) { return ReadPidFile(data, out) && kill(out->pid, 0) == 0; }

// The directory of the server's Unix socket: mode 0700, so only the
// cluster's OS user (and root) can connect.
fs::path SocketDir(const fs::path& root) { return root / "socket"; }

// libpq URL of DATABASE over the socket in SOCKET_DIR (the directory as the
// percent-encoded host, as libpq reads it).
std::string UrlFor(const fs::path& socket_dir, int port, const std::string& database) {
  return "postgresql://postgres@" + PercentEncode(socket_dir.string()) + ":" + std::to_string(port) + "/" + database;
}

// TEXT single-quoted for the shell pg_ctl hands its -o options to.
std::string ShellQuoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Creates the socket directory with mode 0700, owned by the cluster's user.
Status MakeSocketDir(const fs::path& dir, const std::string& os_user) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status(Code::kInternal, "cannot create " + dir.string() + ": " + ec.message());
  if (chmod(dir.c_str(), 0700) != 0) return Status(Code::kInternal, "chmod 0700 " + dir.string());
  if (geteuid() != 0) return Status::Ok();
  passwd* pw = getpwnam(os_user.c_str());
  if (!pw || chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) return Status(Code::kInternal, "chown " + dir.string());
  return Status::Ok();
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

// initdb (when DATA holds no cluster) and pg_ctl start of the cluster under
// ROOT: Unix socket only, in ROOT/socket (0700), no TCP listener.
Status StartServer(const fs::path& root, const std::string& bin, const EmbeddedOptions& o) {
  const fs::path data = root / "data";
  const fs::path socket_dir = SocketDir(root);
  const std::string log_path = (root / "postgres.log").string();
  const std::string socket_file = (socket_dir / (".s.PGSQL." + std::to_string(kPort))).string();
  if (socket_file.size() > kMaxSocketPath) {
    return Status(Code::kInternal, "the embedded PostgreSQL's socket path " + socket_file + " is longer than " +
                                       std::to_string(kMaxSocketPath) + " bytes: choose a shorter DI_DATA_DIR");
  }
  DI_RETURN_IF_ERROR(ChownTree(root, o.os_user));
  if (chmod(root.c_str(), 0700) != 0) return Status(Code::kInternal, "chmod 0700 " + root.string());
  DI_RETURN_IF_ERROR(MakeSocketDir(socket_dir, o.os_user));
  if (!fs::exists(data / "PG_VERSION")) {
    // Local (socket) connections are trusted: only the cluster's user can
    // reach the socket. Host connections are rejected, should TCP ever be on.
    DI_ASSIGN_OR_RETURN(int rc, RunAs({bin + "/initdb", "-D", data.string(), "-U", "postgres", "--auth-local=trust",
                                       "--auth-host=reject", "-E", "UTF8", "--locale=C", "--no-sync"},
                                      o.os_user, log_path));
    if (rc != 0) return Status(Code::kInternal, "initdb failed (exit " + std::to_string(rc) + "), see " + log_path);
  }
  std::ostringstream opts;
  opts << "-p " << kPort << " -k " << ShellQuoted(socket_dir.string())
       << " -c listen_addresses='' -c unix_socket_permissions=0700"
       << " -c max_connections=" << o.max_connections;
  if (!o.durable) opts << " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  DI_ASSIGN_OR_RETURN(
      int rc, RunAs({bin + "/pg_ctl", "-D", data.string(), "-l", log_path, "-w", "-t", "60", "-o", opts.str(), "start"},
                    o.os_user, log_path));
  if (rc != 0) return Status(Code::kInternal, "pg_ctl start failed (exit " + std::to_string(rc) + "), see " + log_path);
  return Status::Ok();
}

// Fast shutdown of the server whose postmaster.pid is under DATA; waits until it is gone.
Status StopServer(const fs::path& data) {
  PidFile pf;
  if (!ReadPidFile(data, &pf)) return Status::Ok();
  if (kill(pf.pid, SIGINT) != 0) return Status::Ok();  // already gone
  for (int i = 0; i < 600; ++i) {
    if (kill(pf.pid, 0) != 0) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status(Code::kUnavailable, "PostgreSQL (pid " + std::to_string(pf.pid) + ") did not stop within 30 s");
}

Status CreateDatabase(const std::string& admin_url, const std::string& database) {
  DI_ASSIGN_OR_RETURN(auto admin, Connection::Open(admin_url));
  DI_ASSIGN_OR_RETURN(auto exists, admin->Exec("SELECT 1 FROM pg_database WHERE datname = $1", {P(database)}));
  if (exists.rows() > 0) return Status::Ok();
  std::string quoted = "\"";
  for (char c : database) quoted += (c == '"') ? std::string("\"\"") : std::string(1, c);
  quoted += "\"";
  auto created = admin->Exec("CREATE DATABASE " + quoted);
  if (!created.ok() && created.status().sqlstate() != "42P04") return created.status();
  return Status::Ok();
}

}  // namespace

bool EmbeddedPostgres::IsRunning(const std::string& dir) {
  PidFile pf;
  return ReadRunning(ClusterRoot(fs::absolute(dir)) / "data", &pf);
}

Result<std::string> EmbeddedPostgres::StartOrReuse(const EmbeddedOptions& o) {
  fs::path requested = fs::absolute(o.dir);
  std::error_code ec;
  fs::create_directories(requested, ec);
  if (ec) return Status(Code::kInternal, "cannot create " + requested.string() + ": " + ec.message());
  DI_ASSIGN_OR_RETURN(fs::path root, ChooseClusterRoot(requested, o.os_user));
  if (root != requested) {
    log::Info("the PostgreSQL user cannot reach the data directory; the cluster lives elsewhere",
              {{"requested", requested.string()}, {"cluster", root.string()}});
  }
  std::string bin = FindBinDir();
  if (bin.empty()) return Status(Code::kInternal, "PostgreSQL server binaries not found under /usr/lib/postgresql");

  PidFile pf;
  bool running = ReadRunning(root / "data", &pf);
  if (running && (!pf.listen_address.empty() || pf.socket_dir != SocketDir(root).string())) {
    // Started by an older diamond-ingest: listening on 127.0.0.1, where any
    // local user could connect as its superuser.
    log::Warn("restarting the embedded PostgreSQL to listen only on its private Unix socket",
              {{"dir", root.string()}, {"pid", static_cast<int64_t>(pf.pid)}, {"listen", pf.listen_address}});
    DI_RETURN_IF_ERROR(StopServer(root / "data"));
    running = false;
  }
  if (!running) {
    DI_RETURN_IF_ERROR(StartServer(root, bin, o));
    log::Info("started embedded PostgreSQL", {{"dir", root.string()}, {"socket", SocketDir(root).string()}});
  } else {
    log::Info("reusing embedded PostgreSQL", {{"dir", root.string()}, {"socket", SocketDir(root).string()}});
  }
  DI_RETURN_IF_ERROR(CreateDatabase(UrlFor(SocketDir(root), kPort, "postgres"), o.database));
  return UrlFor(SocketDir(root), kPort, o.database);
}

EmbeddedState EmbeddedPostgres::Inspect(const std::string& dir, const std::string& database) {
  EmbeddedState st;
  const fs::path root = ClusterRoot(fs::absolute(dir));
  st.cluster_dir = root.string();
  st.socket_dir = SocketDir(root).string();
  std::ifstream version(root / "data" / "PG_VERSION");
  st.initialised = static_cast<bool>(std::getline(version, st.data_version));
  st.server_bin = FindBinDir();
  PidFile pf;
  st.running = ReadRunning(root / "data", &pf);
  if (st.running) {
    st.pid = pf.pid;
    st.listen_address = pf.listen_address;
    st.url = UrlFor(pf.socket_dir.empty() ? SocketDir(root) : fs::path(pf.socket_dir), pf.port, database);
  }
  return st;
}

Status EmbeddedPostgres::Stop(const std::string& dir) { return StopServer(ClusterRoot(fs::absolute(dir)) / "data"); }

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
