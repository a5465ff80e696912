#include "store/pg.h"

#include <gtest/gtest.h>

#include "test_database.h"

namespace di::pg {
namespace {

TEST(PgTest, ParameterisedStatementsAndNulls) {
  auto db = testing::TestDatabase::Create(false);
  auto conn = db.Connect();
  auto r = conn->Exec("SELECT $1::text, $2::bigint, $3::text IS NULL", {P("it's \"quoted\""), P(int64_t{42}), Null()});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->GetString(0, 0), "it's \"quoted\"");
  EXPECT_EQ(r->GetInt64(0, 1), 42);
  EXPECT_TRUE(r->GetBool(0, 2));
}

TEST(PgTest, ErrorsCarrySqlState) {
  auto db = testing::TestDatabase::Create(false);
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Exec("CREATE TABLE t (k int PRIMARY KEY)").ok());
  ASSERT_TRUE(conn->Exec("INSERT INTO t VALUES (1)").ok());
  auto dup = conn->Exec("INSERT INTO t VALUES (1)");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().sqlstate(), "23505");
  EXPECT_EQ(dup.status().code(), Code::kConflict);
  auto bad = conn->Exec("SELEC 1");
  EXPECT_EQ(bad.status().sqlstate(), "42601");
}

TEST(PgTest, TransactionRollsBackUnlessCommitted) {
  auto db = testing::TestDatabase::Create(false);
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Exec("CREATE TABLE t (k int)").ok());
  {
    Transaction tx(*conn);
    ASSERT_TRUE(conn->Exec("INSERT INTO t VALUES (1)").ok());
  }
  {
    Transaction tx(*conn);
    ASSERT_TRUE(conn->Exec("INSERT INTO t VALUES (2)").ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  auto r = conn->Exec("SELECT array_agg(k)::text FROM t");
  EXPECT_EQ(r->GetString(0, 0), "{2}");
}

TEST(PgTest, CopyInEscapesText) {
  auto db = testing::TestDatabase::Create(false);
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Exec("CREATE TABLE t (k int, v text)").ok());
  std::string data;
  for (int i = 0; i < 1000; ++i) {
    data += std::to_string(i) + "\t";
    AppendCopyText(&data, "tab\there\\back\nnewline " + std::to_string(i));
    data += "\n";
  }
  ASSERT_TRUE(conn->CopyIn("COPY t (k, v) FROM STDIN", data).ok());
  auto r = conn->Exec("SELECT count(*), max(v) FILTER (WHERE k = 7) FROM t");
  EXPECT_EQ(r->GetInt64(0, 0), 1000);
  EXPECT_EQ(r->GetString(0, 1), "tab\there\\back\nnewline 7");
}

TEST(PgTest, CopyInReportsBadData) {
  auto db = testing::TestDatabase::Create(false);
  auto conn = db.Connect();
  ASSERT_TRUE(conn->Exec("CREATE TABLE t (k int)").ok());
  Status s = conn->CopyIn("COPY t (k) FROM STDIN", "1\nnot-a-number\n");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.sqlstate(), "22P02");
  EXPECT_TRUE(conn->Exec("SELECT 1").ok()) << "connection usable after a failed COPY";
}

TEST(PgTest, UnreachableServerIsUnavailable) {
  auto conn = Connection::Open("postgresql://postgres@127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().code(), Code::kUnavailable);
  EXPECT_EQ(conn.status().message().find('\n'), std::string::npos) << conn.status().message();
}

TEST(PgTest, LibpqMultiLineErrorsBecomeOneLine) {
  EXPECT_EQ(OneLine("connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n"
                    "\tIs the server running on that host and accepting TCP/IP connections?\n"),
            "connection to server at \"127.0.0.1\", port 1 failed: Connection refused; "
            "Is the server running on that host and accepting TCP/IP connections?");
  EXPECT_EQ(OneLine("plain"), "plain");
  EXPECT_EQ(OneLine("a\r\nb\n\n  c \n"), "a; b; c");
}

TEST(PgTest, TerminatedBackendIsUnavailableAndUnhealthy) {
  auto db = testing::TestDatabase::Create(false);
  auto conn = db.Connect();
  auto other = db.Connect();
  auto pid = conn->Exec("SELECT pg_backend_pid()");
  ASSERT_TRUE(other->Exec("SELECT pg_terminate_backend($1::int)", {P(pid->GetString(0, 0))}).ok());
  auto r = conn->Exec("SELECT 1");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsRetryable(r.status())) << r.status().ToString();
  EXPECT_FALSE(conn->healthy());
}

}  // namespace
}  // namespace di::pg
