// The GraphQL syntax tree of one request document: operations, fields with
// arguments, and values (inline literals, variables, or JSON variables
// converted to the same form). Plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace di::sim::gql {

struct ObjectEntry;

struct Value {
  enum class Kind { kNull, kBool, kInt, kFloat, kString, kEnum, kList, kObject, kVariable };
  Kind kind = Kind::kNull;
  bool boolean = false;
  int64_t integer = 0;
  double number = 0;
  std::string text;  // string, enum name or variable name
  std::vector<Value> list;
  std::vector<ObjectEntry> fields;  // object, in input order

  // A short description for error messages: `"abc"`, `12`, `{...}`, `$var`.
  std::string Describe() const;
  const Value* Find(const std::string& name) const;
};

struct ObjectEntry {
  std::string first;  // field name
  Value second;
};

struct Location {
  int line = 1;
  int column = 1;
};

struct Field {
  std::string alias;  // empty when none
  std::string name;
  std::vector<std::pair<std::string, Value>> arguments;
  std::vector<Field> selection;
  Location location;
  const std::string& key() const { return alias.empty() ? name : alias; }
};

struct VariableDefinition {
  std::string name;
  std::string type;  // as written, e.g. "String!", "[String]", "DiamondQuery!"
  std::optional<Value> default_value;
};

struct Operation {
  std::string kind;  // query, mutation or subscription
  std::string name;  // empty when anonymous
  std::vector<VariableDefinition> variables;
  std::vector<Field> selection;
};

struct Document {
  std::vector<Operation> operations;
};

}  // namespace di::sim::gql
