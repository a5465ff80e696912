#include "sim/graphql_parser.h"

#include <gtest/gtest.h>

#include "nivoda/queries.h"
#include "schema/item_selection.h"

namespace di::sim::gql {
namespace {

TEST(GraphqlParser, ParsesTheClientsAuthCountAndItemSelection) {
  // (Whether every client document validates is sim_schema_test's job.)
  std::string items = "query Items($v: Int) { items { " + std::string(schema::kItemSelection) + " } }";
  for (std::string_view text : {nivoda::kAuthenticateQuery, nivoda::kCountQuery, std::string_view(items)}) {
    auto doc = Parse(text);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString() << "\n" << text;
    ASSERT_EQ(doc->operations.size(), 1u);
    EXPECT_EQ(doc->operations[0].kind, "query");
    EXPECT_FALSE(doc->operations[0].variables.empty());
  }
}

TEST(GraphqlParser, ShorthandAliasesArgumentsAndNesting) {
  auto doc = Parse(
      "{ a: as(token: \"t\\\"x\") { diamonds_by_query(query: {shapes: [\"ROUND\", OVAL], sizes: {from: 0.5, to: 1e1}}, "
      "offset: -3, limit: $l) { items { id } } } }");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  const Field& as = doc->operations[0].selection[0];
  EXPECT_EQ(as.alias, "a");
  EXPECT_EQ(as.name, "as");
  EXPECT_EQ(as.arguments[0].second.text, "t\"x");
  const Field& page = as.selection[0];
  ASSERT_EQ(page.arguments.size(), 3u);
  const Value& query = page.arguments[0].second;
  ASSERT_EQ(query.kind, Value::Kind::kObject);
  EXPECT_EQ(query.Find("shapes")->list[1].kind, Value::Kind::kEnum);
  EXPECT_DOUBLE_EQ(query.Find("sizes")->Find("to")->number, 10.0);
  EXPECT_EQ(page.arguments[1].second.integer, -3);
  EXPECT_EQ(page.arguments[2].second.kind, Value::Kind::kVariable);
  EXPECT_EQ(page.selection[0].selection[0].name, "id");
}

TEST(GraphqlParser, VariableDefinitionsWithDefaults) {
  auto doc = Parse("query Q($a: Int = 5, $b: [String!]!, $c: DiamondOrder) # comment\n { x }");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  const auto& vars = doc->operations[0].variables;
  ASSERT_EQ(vars.size(), 3u);
  EXPECT_EQ(vars[0].type, "Int");
  EXPECT_EQ(vars[0].default_value->integer, 5);
  EXPECT_EQ(vars[1].type, "[String!]!");
  EXPECT_EQ(doc->operations[0].name, "Q");
}

TEST(GraphqlParser, SyntaxErrorsCarryPosition) {
  auto doc = Parse("query {\n  as(token: ) { x } }");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("Syntax Error"), std::string::npos);
  EXPECT_NE(doc.status().message().find("line 2"), std::string::npos);
  EXPECT_FALSE(Parse("{ a ").ok());
  EXPECT_FALSE(Parse("").ok());
  EXPECT_FALSE(Parse("{ a(x: \"unterminated) }").ok());
  EXPECT_FALSE(Parse("{ a { } }").ok());
}

TEST(GraphqlParser, RejectsFragmentsAndDirectives) {
  EXPECT_NE(Parse("{ ...F } fragment F on Item { id }").status().message().find("Fragments"), std::string::npos);
  EXPECT_NE(Parse("{ a @skip(if: true) }").status().message().find("Directives"), std::string::npos);
}

}  // namespace
}  // namespace di::sim::gql
