// A small hand-written GraphQL parser for executable documents: operations
// (query shorthand included), variable definitions with defaults, fields with
// aliases and arguments, nested selection sets, all value literals. Fragments
// and directives are rejected with a clear message. Pure; thread-safe.
#pragma once

#include <string_view>

#include "common/status.h"
#include "sim/graphql_ast.h"

namespace di::sim::gql {

// Parses TEXT. Errors are kInvalidArgument with a message in the style of
// graphql-js: "Syntax Error: Expected Name, found \"}\" (line 1, column 9)".
Result<Document> Parse(std::string_view text);

}  // namespace di::sim::gql
