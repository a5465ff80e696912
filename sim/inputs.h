// Inputs: argument values of one request with variables resolved, and
// coercion of GraphQL values to C++ types with graphql-js-like error messages.
// A value from the JSON `variables` may be a string where an enum is expected;
// an inline literal may not. Read-only after construction; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "sim/graphql_ast.h"

namespace di::sim {

class Inputs {
 public:
  // REQUIRES: both outlive this object.
  Inputs(const std::map<std::string, gql::Value>* variables, const std::vector<gql::VariableDefinition>* definitions)
      : variables_(variables), definitions_(definitions) {}

  // Checks every declared variable: required ones are given and not null.
  Status CheckDeclared() const;

  // A value with variables replaced: *out is nullptr when a variable was not
  // given and has no default (treated as an absent argument).
  struct Resolved {
    const gql::Value* value = nullptr;
    bool from_variables = false;
  };
  Result<Resolved> Resolve(const gql::Value& value, bool from_variables) const;

  // Coercions. NAME is used in messages (e.g. `limit`, `query.dollar_value.from`).
  Result<std::optional<int64_t>> Int(const gql::Value* v, bool from_vars, const std::string& name) const;
  Result<std::optional<double>> Float(const gql::Value* v, bool from_vars, const std::string& name) const;
  Result<std::optional<bool>> Bool(const gql::Value* v, bool from_vars, const std::string& name) const;
  Result<std::optional<std::string>> String(const gql::Value* v, bool from_vars, const std::string& name) const;
  // An enum value; ALLOWED lists the names.
  Result<std::optional<std::string>> Enum(const gql::Value* v, bool from_vars, const std::string& name,
                                          const std::vector<std::string>& allowed) const;
  // [String]: a single string is accepted as a list of one (input coercion rule).
  Result<std::optional<std::vector<std::string>>> StringList(const gql::Value* v, bool from_vars,
                                                             const std::string& name) const;

 private:
  const std::map<std::string, gql::Value>* variables_;
  const std::vector<gql::VariableDefinition>* definitions_;
};

// Message prefix used for every coercion error.
Status InvalidValue(const std::string& name, const std::string& expected, const gql::Value& got);

}  // namespace di::sim
