#include "nivoda/queries.h"

#include <gtest/gtest.h>

#include <string>

namespace di::nivoda {
namespace {

// Every document is one operation whose braces and parentheses balance and
// never close more than they opened.
TEST(Queries, DocumentsAreBalanced) {
  for (std::string_view q : AllQueries()) {
    int braces = 0, parens = 0;
    for (char c : q) {
      braces += (c == '{') - (c == '}');
      parens += (c == '(') - (c == ')');
      ASSERT_GE(braces, 0) << q;
      ASSERT_GE(parens, 0) << q;
    }
    EXPECT_EQ(braces, 0) << q;
    EXPECT_EQ(parens, 0) << q;
    EXPECT_EQ(q.rfind("query ", 0), 0u) << q;
    EXPECT_EQ(q.back(), '}') << q;
  }
}

TEST(Queries, PageQuerySelectsTheFieldsTheParserReads) {
  const std::string page(kPageQuery);
  for (const char* field : {"items {", " id ", "price", "updated_at", "diamond { id "}) {
    EXPECT_NE(page.find(field), std::string::npos) << field;
  }
  EXPECT_NE(page.find(std::string(kItemSelection)), std::string::npos);
}

}  // namespace
}  // namespace di::nivoda
