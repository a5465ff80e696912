#include "sim/inputs.h"

#include <cmath>
#include <limits>

namespace di::sim {

using gql::Value;

Status InvalidValue(const std::string& name, const std::string& expected, const Value& got) {
  return Status(Code::kInvalidArgument,
                "Argument \"" + name + "\" has invalid value " + got.Describe() + ": expected type " + expected + ".");
}

Status Inputs::CheckDeclared() const {
  for (const auto& def : *definitions_) {
    bool required = !def.type.empty() && def.type.back() == '!';
    auto it = variables_->find(def.name);
    bool given = it != variables_->end();
    if (required && !def.default_value && (!given || it->second.kind == Value::Kind::kNull)) {
      return Status(Code::kInvalidArgument,
                    "Variable \"$" + def.name + "\" of required type \"" + def.type + "\" was not provided.");
    }
  }
  return Status::Ok();
}

Result<Inputs::Resolved> Inputs::Resolve(const Value& value, bool from_variables) const {
  if (value.kind != Value::Kind::kVariable) return Resolved{&value, from_variables};
  const gql::VariableDefinition* def = nullptr;
  for (const auto& d : *definitions_) {
    if (d.name == value.text) def = &d;
  }
  if (def == nullptr) return Status(Code::kInvalidArgument, "Variable \"$" + value.text + "\" is not defined.");
  auto it = variables_->find(value.text);
  if (it != variables_->end()) return Resolved{&it->second, true};
  if (def->default_value) return Resolved{&*def->default_value, false};
  return Resolved{nullptr, false};
}

Result<std::optional<int64_t>> Inputs::Int(const Value* v, bool from_vars, const std::string& name) const {
  if (v == nullptr) return std::optional<int64_t>();
  DI_ASSIGN_OR_RETURN(Resolved r, Resolve(*v, from_vars));
  if (r.value == nullptr || r.value->kind == Value::Kind::kNull) return std::optional<int64_t>();
  const Value& x = *r.value;
  int64_t n;
  if (x.kind == Value::Kind::kInt) {
    n = x.integer;
  } else if (x.kind == Value::Kind::kFloat && r.from_variables && std::floor(x.number) == x.number &&
             std::fabs(x.number) < 1e15) {
    n = static_cast<int64_t>(x.number);  // JSON 5.0 is an integer value
  } else {
    return InvalidValue(name, "Int", x);
  }
  if (n > std::numeric_limits<int32_t>::max() || n < std::numeric_limits<int32_t>::min()) {
    return Status(Code::kInvalidArgument, "Argument \"" + name + "\" has invalid value " + x.Describe() +
                                              ": Int cannot represent non 32-bit signed integer value.");
  }
  return std::optional<int64_t>(n);
}

Result<std::optional<double>> Inputs::Float(const Value* v, bool from_vars, const std::string& name) const {
  if (v == nullptr) return std::optional<double>();
  DI_ASSIGN_OR_RETURN(Resolved r, Resolve(*v, from_vars));
  if (r.value == nullptr || r.value->kind == Value::Kind::kNull) return std::optional<double>();
  if (r.value->kind == Value::Kind::kInt) return std::optional<double>(static_cast<double>(r.value->integer));
  if (r.value->kind == Value::Kind::kFloat) return std::optional<double>(r.value->number);
  return InvalidValue(name, "Float", *r.value);
}

Result<std::optional<bool>> Inputs::Bool(const Value* v, bool from_vars, const std::string& name) const {
  if (v == nullptr) return std::optional<bool>();
  DI_ASSIGN_OR_RETURN(Resolved r, Resolve(*v, from_vars));
  if (r.value == nullptr || r.value->kind == Value::Kind::kNull) return std::optional<bool>();
  if (r.value->kind == Value::Kind::kBool) return std::optional<bool>(r.value->boolean);
  return InvalidValue(name, "Boolean", *r.value);
}

Result<std::optional<std::string>> Inputs::String(const Value* v, bool from_vars, const std::string& name) const {
  if (v == nullptr) return std::optional<std::string>();
  DI_ASSIGN_OR_RETURN(Resolved r, Resolve(*v, from_vars));
  if (r.value == nullptr || r.value->kind == Value::Kind::kNull) return std::optional<std::string>();
  if (r.value->kind == Value::Kind::kString) return std::optional<std::string>(r.value->text);
  return InvalidValue(name, "String", *r.value);
}

Result<std::optional<std::string>> Inputs::Enum(const Value* v, bool from_vars, const std::string& name,
                                                const std::vector<std::string>& allowed) const {
  if (v == nullptr) return std::optional<std::string>();
  DI_ASSIGN_OR_RETURN(Resolved r, Resolve(*v, from_vars));
  if (r.value == nullptr || r.value->kind == Value::Kind::kNull) return std::optional<std::string>();
  const Value& x = *r.value;
  bool shape_ok = x.kind == Value::Kind::kEnum || (x.kind == Value::Kind::kString && r.from_variables);
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  if (shape_ok) {
    for (const auto& a : allowed) {
      if (a == x.text) return std::optional<std::string>(a);
    }
  }
  return InvalidValue(name, "enum (one of " + list + ")", x);
}

Result<std::optional<std::vector<std::string>>> Inputs::StringList(const Value* v, bool from_vars,
                                                                   const std::string& name) const {
  using Out = std::optional<std::vector<std::string>>;
  if (v == nullptr) return Out();
  DI_ASSIGN_OR_RETURN(Resolved r, Resolve(*v, from_vars));
  if (r.value == nullptr || r.value->kind == Value::Kind::kNull) return Out();
  std::vector<std::string> out;
  if (r.value->kind != Value::Kind::kList) {
    DI_ASSIGN_OR_RETURN(auto one, String(r.value, r.from_variables, name));
    if (one) out.push_back(*one);
    return Out(std::move(out));
  }
  for (const auto& item : r.value->list) {
    DI_ASSIGN_OR_RETURN(auto s, String(&item, r.from_variables, name));
    if (!s) continue;  // null items are ignored
    out.push_back(*s);
  }
  return Out(std::move(out));
}

}  // namespace di::sim
