#include "store/embedded_postgres.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "process.h"
#include "store/pg.h"

namespace di::pg {
namespace {

// Under a directory only root may enter (as `mktemp -d` makes), the cluster's
// unprivileged user cannot reach the data: the cluster must still start, be
// reused, and stop by its PID.
TEST(EmbeddedPostgresTest, StartsUnderADirectoryThePostgresUserCannotEnter) {
  char tmpl[] = "/tmp/di-embedded-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);  // mode 0700
  std::string dir = std::string(tmpl) + "/pg";
  EmbeddedOptions o;
  o.dir = dir;
  o.database = "postgres";
  o.durable = false;
  auto url = EmbeddedPostgres::StartOrReuse(o);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_TRUE(EmbeddedPostgres::IsRunning(dir));
  auto again = EmbeddedPostgres::StartOrReuse(o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *url) << "reused, same port";
  auto conn = Connection::Open(*url);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  EXPECT_TRUE((*conn)->Exec("SELECT 1").ok());
  ASSERT_TRUE(EmbeddedPostgres::Stop(dir).ok());
  EXPECT_FALSE(EmbeddedPostgres::IsRunning(dir));
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
}

// The cluster is reachable only through its socket directory (0700, owned by
// the cluster's user): another OS user is refused by the file system, and
// there is no TCP listener to try instead. Needs root (to act as another user).
TEST(EmbeddedPostgresTest, AnotherOsUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run psql as another user (the suite runs as root)";
  test::TempDir tmp;
  std::filesystem::permissions(tmp.path(), std::filesystem::perms(0755));  // the postgres user may enter
  const std::string dir = tmp.path() + "/pg";
  EmbeddedOptions o;
  o.dir = dir;
  o.database = "postgres";
  o.durable = false;
  auto url = EmbeddedPostgres::StartOrReuse(o);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->find("127.0.0.1"), std::string::npos) << *url;

  EmbeddedState st = EmbeddedPostgres::Inspect(dir, "postgres");
  EXPECT_TRUE(st.running);
  EXPECT_EQ(st.listen_address, "") << "no TCP listener";
  struct stat sb {};
  ASSERT_EQ(stat(st.socket_dir.c_str(), &sb), 0) << st.socket_dir;
  EXPECT_EQ(sb.st_mode & 0777, 0700u);
  auto conn = Connection::Open(*url);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto listen = (*conn)->Exec("SHOW listen_addresses");
  ASSERT_TRUE(listen.ok());
  EXPECT_EQ(listen->GetString(0, 0), "");

  // The same psql, the same URL: root (the owner's side) gets in, nobody does not.
  const std::vector<std::string> env = {"PATH=/usr/bin:/bin", "PGCONNECT_TIMEOUT=5"};
  const std::vector<std::string> psql = {"/usr/bin/psql", *url, "-XAtc", "SELECT current_user"};
  test::ProcessResult as_root = test::RunProcess(psql, env, "/");
  EXPECT_EQ(as_root.exit_code, 0) << as_root.err;
  EXPECT_EQ(as_root.out, "postgres\n");
  std::vector<std::string> as_nobody = {"/usr/sbin/runuser", "-u", "nobody", "--"};
  as_nobody.insert(as_nobody.end(), psql.begin(), psql.end());
  test::ProcessResult refused = test::RunProcess(as_nobody, env, "/");
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  EXPECT_NE(refused.err.find("Permission denied"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.out, "");
  ASSERT_TRUE(EmbeddedPostgres::Stop(dir).ok());
  std::error_code ec;
  if (std::filesystem::exists(dir + "/cluster")) std::filesystem::remove_all(st.cluster_dir, ec);
}

}  // namespace
}  // namespace di::pg
