#include "common/status.h"

#include <gtest/gtest.h>

namespace di {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Status(Code::kInvalidArgument, "odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  DI_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(StatusTest, OkAndErrorRender) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s(Code::kConflict, "duplicate", "23505");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "conflict: duplicate (SQLSTATE 23505)");
}

TEST(StatusTest, ResultPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "odd");
}

}  // namespace
}  // namespace di
