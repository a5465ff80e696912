#include "store/embedded_postgres.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

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

}  // namespace
}  // namespace di::pg
