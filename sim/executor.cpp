#include "sim/executor.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "sim/diamond_query.h"
#include "sim/graphql_parser.h"
#include "sim/json_writer.h"
#include "sim/order.h"
#include "sim/selection.h"

namespace di::sim {
namespace {

using gql::Value;

enum class Node { kTypename, kAuthenticate, kUsernamePassword, kToken, kAs, kCount, kPage, kTotalCount, kItems };

// A validated field of the request with its coerced arguments.
struct PlanNode {
  std::string key;
  std::string name;
  Node kind = Node::kTypename;
  std::string type_name;  // for __typename: the type it is selected on
  std::vector<PlanNode> children;
  std::optional<std::string> username, password, token;
  DiamondQuery query;
  Order order;
  int64_t offset = 0;
  int64_t limit = 50;
  std::vector<SelectedField> items;
};

struct RequestError {
  std::string message;
  std::string code;
};

Value FromJson(const nlohmann::json& j) {
  Value v;
  switch (j.type()) {
    case nlohmann::json::value_t::boolean:
      v.kind = Value::Kind::kBool;
      v.boolean = j.get<bool>();
      break;
    case nlohmann::json::value_t::number_integer:
      v.kind = Value::Kind::kInt;
      v.integer = j.get<int64_t>();
      break;
    case nlohmann::json::value_t::number_unsigned:
      if (j.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
        v.kind = Value::Kind::kInt;
        v.integer = static_cast<int64_t>(j.get<uint64_t>());
      } else {
        v.kind = Value::Kind::kFloat;
        v.number = j.get<double>();
      }
      break;
    case nlohmann::json::value_t::number_float:
      v.kind = Value::Kind::kFloat;
      v.number = j.get<double>();
      break;
    case nlohmann::json::value_t::string:
      v.kind = Value::Kind::kString;
      v.text = j.get<std::string>();
      break;
    case nlohmann::json::value_t::array:
      v.kind = Value::Kind::kList;
      for (const auto& item : j) v.list.push_back(FromJson(item));
      break;
    case nlohmann::json::value_t::object:
      v.kind = Value::Kind::kObject;
      for (const auto& [key, item] : j.items()) v.fields.push_back({key, FromJson(item)});
      break;
    default:
      break;  // null, discarded, binary
  }
  return v;
}

Status Validation(const std::string& message) { return Status(Code::kInvalidArgument, message); }
Status BadInput(const std::string& message) { return Status(Code::kPermanent, message); }

Status CheckArguments(const gql::Field& f, const std::string& type, std::initializer_list<const char*> allowed) {
  for (size_t i = 0; i < f.arguments.size(); ++i) {
    const std::string& name = f.arguments[i].first;
    bool known = false;
    for (const char* a : allowed) known = known || name == a;
    if (!known) return Validation("Unknown argument \"" + name + "\" on field \"" + type + "." + f.name + "\".");
    for (size_t k = 0; k < i; ++k) {
      if (f.arguments[k].first == name) return Validation("There can be only one argument named \"" + name + "\".");
    }
  }
  return Status::Ok();
}

const Value* Arg(const gql::Field& f, const char* name) {
  for (const auto& [key, value] : f.arguments) {
    if (key == name) return &value;
  }
  return nullptr;
}

Status NeedSelection(const gql::Field& f, const std::string& type) {
  if (f.selection.empty()) {
    return Validation("Field \"" + f.name + "\" of type \"" + type + "\" must have a selection of subfields.");
  }
  return Status::Ok();
}

Status NoSelection(const gql::Field& f) {
  if (!f.selection.empty()) return Validation("Field \"" + f.name + "\" must not have a selection since it is a leaf.");
  return Status::Ok();
}

Status Unknown(const gql::Field& f, const std::string& type) {
  return Validation("Cannot query field \"" + f.name + "\" on type \"" + type + "\".");
}

class Planner {
 public:
  Planner(const Inputs& inputs, const ExecutorOptions& options) : in_(inputs), options_(options) {}

  Result<std::vector<PlanNode>> Fields(const std::vector<gql::Field>& selection, const std::string& type) {
    std::vector<PlanNode> out;
    for (const gql::Field& f : selection) {
      PlanNode node;
      node.key = f.key();
      node.name = f.name;
      if (f.name == "__typename") {
        DI_RETURN_IF_ERROR(NoSelection(f));
        node.kind = Node::kTypename;
        node.type_name = type;
        out.push_back(std::move(node));
        continue;
      }
      DI_RETURN_IF_ERROR(Field(f, type, &node));
      out.push_back(std::move(node));
    }
    return out;
  }

 private:
  Status Field(const gql::Field& f, const std::string& type, PlanNode* node) {
    if (type == "Query" && f.name == "authenticate") {
      DI_RETURN_IF_ERROR(CheckArguments(f, type, {}));
      DI_RETURN_IF_ERROR(NeedSelection(f, "Authenticate"));
      node->kind = Node::kAuthenticate;
      DI_ASSIGN_OR_RETURN(node->children, Fields(f.selection, "Authenticate"));
      return Status::Ok();
    }
    if (type == "Query" && f.name == "as") {
      DI_RETURN_IF_ERROR(CheckArguments(f, type, {"token"}));
      DI_RETURN_IF_ERROR(NeedSelection(f, "AuthenticatedQuery"));
      node->kind = Node::kAs;
      DI_ASSIGN_OR_RETURN(node->token, in_.String(Arg(f, "token"), false, "token"));
      DI_ASSIGN_OR_RETURN(node->children, Fields(f.selection, "AuthenticatedQuery"));
      return Status::Ok();
    }
    if (type == "Authenticate" && f.name == "username_and_password") {
      DI_RETURN_IF_ERROR(CheckArguments(f, type, {"username", "password"}));
      DI_RETURN_IF_ERROR(NeedSelection(f, "AuthToken"));
      node->kind = Node::kUsernamePassword;
      DI_ASSIGN_OR_RETURN(node->username, in_.String(Arg(f, "username"), false, "username"));
      DI_ASSIGN_OR_RETURN(node->password, in_.String(Arg(f, "password"), false, "password"));
      if (!node->username || !node->password) {
        return Validation(
            "Field \"username_and_password\" arguments \"username\" and \"password\" of type \"String!\" are "
            "required.");
      }
      DI_ASSIGN_OR_RETURN(node->children, Fields(f.selection, "AuthToken"));
      return Status::Ok();
    }
    if (type == "AuthToken" && f.name == "token") {
      DI_RETURN_IF_ERROR(CheckArguments(f, type, {}));
      DI_RETURN_IF_ERROR(NoSelection(f));
      node->kind = Node::kToken;
      return Status::Ok();
    }
    if (type == "AuthenticatedQuery" && f.name == "diamonds_by_query_count") {
      DI_RETURN_IF_ERROR(CheckArguments(f, type, {"query"}));
      DI_RETURN_IF_ERROR(NoSelection(f));
      node->kind = Node::kCount;
      DI_ASSIGN_OR_RETURN(node->query, CoerceDiamondQuery(Arg(f, "query"), in_));
      return Status::Ok();
    }
    if (type == "AuthenticatedQuery" && f.name == "diamonds_by_query") {
      DI_RETURN_IF_ERROR(CheckArguments(f, type, {"query", "offset", "limit", "order"}));
      DI_RETURN_IF_ERROR(NeedSelection(f, "DiamondQueryResult"));
      node->kind = Node::kPage;
      DI_ASSIGN_OR_RETURN(node->query, CoerceDiamondQuery(Arg(f, "query"), in_));
      DI_ASSIGN_OR_RETURN(node->order, CoerceOrder(Arg(f, "order"), in_, options_.insert_order));
      DI_ASSIGN_OR_RETURN(auto offset, in_.Int(Arg(f, "offset"), false, "offset"));
      DI_ASSIGN_OR_RETURN(auto limit, in_.Int(Arg(f, "limit"), false, "limit"));
      node->offset = offset.value_or(0);
      node->limit = limit.value_or(options_.default_limit);
      if (node->offset < 0) return BadInput("offset must be >= 0 (got " + std::to_string(node->offset) + ")");
      if (node->limit < 0 || node->limit > options_.max_limit) {
        return BadInput("limit must be between 0 and " + std::to_string(options_.max_limit) + " (got " +
                        std::to_string(node->limit) + ")");
      }
      DI_ASSIGN_OR_RETURN(node->children, Fields(f.selection, "DiamondQueryResult"));
      return Status::Ok();
    }
    if (type == "DiamondQueryResult" && f.name == "total_count") {
      DI_RETURN_IF_ERROR(CheckArguments(f, type, {}));
      DI_RETURN_IF_ERROR(NoSelection(f));
      node->kind = Node::kTotalCount;
      return Status::Ok();
    }
    if (type == "DiamondQueryResult" && f.name == "items") {
      DI_RETURN_IF_ERROR(CheckArguments(f, type, {}));
      DI_RETURN_IF_ERROR(NeedSelection(f, "Item"));
      node->kind = Node::kItems;
      DI_ASSIGN_OR_RETURN(node->items, CompileSelection(ObjType::kItem, f.selection));
      return Status::Ok();
    }
    return Unknown(f, type);
  }

  const Inputs& in_;
  const ExecutorOptions& options_;
};

std::string ErrorJson(const std::string& message, const std::string& code, const std::vector<std::string>& path) {
  std::string out = "{\"message\":";
  json::String(&out, message);
  if (!path.empty()) {
    out.append(",\"path\":[");
    for (size_t i = 0; i < path.size(); ++i) {
      if (i) out.push_back(',');
      json::String(&out, path[i]);
    }
    out.push_back(']');
  }
  out.append(",\"extensions\":{\"code\":");
  json::String(&out, code);
  out.append("}}");
  return out;
}

std::string ErrorsOnly(const std::string& message, const std::string& code) {
  return "{\"errors\":[" + ErrorJson(message, code, {}) + "]}";
}

// Runs a validated plan, writing `data` and collecting execution errors.
class Runner {
 public:
  Runner(const Inventory* inventory, TokenStore* tokens, Counters* counters, const ExecutorOptions& options,
         uint64_t salt)
      : inventory_(inventory), tokens_(tokens), counters_(counters), options_(options), salt_(salt) {}

  void Object(std::string* out, const std::vector<PlanNode>& nodes, std::vector<std::string>* path) {
    out->push_back('{');
    bool first = true;
    for (const PlanNode& node : nodes) {
      if (!first) out->push_back(',');
      first = false;
      json::Key(out, node.key);
      path->push_back(node.key);
      Emit(out, node, path);
      path->pop_back();
    }
    out->push_back('}');
  }

  std::vector<std::string> errors;
  int64_t deepest_offset = 0;
  bool executed_data = false;

 private:
  void Emit(std::string* out, const PlanNode& node, std::vector<std::string>* path) {
    switch (node.kind) {
      case Node::kTypename:
        json::String(out, node.type_name);
        return;
      case Node::kAuthenticate:
        Object(out, node.children, path);
        return;
      case Node::kUsernamePassword: {
        counters_->Operation("authenticate");
        auto token = tokens_->Authenticate(*node.username, *node.password);
        if (!token.ok()) {
          errors.push_back(ErrorJson(token.status().message(), "UNAUTHENTICATED", *path));
          json::Null(out);
          return;
        }
        token_ = *token;
        Object(out, node.children, path);
        return;
      }
      case Node::kToken:
        json::String(out, token_);
        return;
      case Node::kAs: {
        const char* problem = nullptr;
        switch (tokens_->Validate(node.token.value_or(""))) {
          case TokenStore::Check::kValid:
            break;
          case TokenStore::Check::kMissing:
            problem = "Unauthenticated: missing token";
            break;
          case TokenStore::Check::kInvalid:
            problem = "Unauthenticated: invalid token";
            break;
          case TokenStore::Check::kExpired:
            problem = "Unauthenticated: expired token";
            break;
        }
        if (problem != nullptr) {
          counters_->Operation("unauthenticated");
          errors.push_back(ErrorJson(problem, "UNAUTHENTICATED", *path));
          json::Null(out);
          return;
        }
        Read(node.children);
        Object(out, node.children, path);
        return;
      }
      case Node::kCount:
        json::Int(out, counts_.at(&node));
        return;
      case Node::kPage:
        Page(out, node);
        return;
      case Node::kTotalCount:
      case Node::kItems:
        return;  // written by Page
    }
  }

  // Executes every count and page among NODES (the fields of one `as`) under
  // one read lock: one request sees one state of the inventory.
  void Read(const std::vector<PlanNode>& nodes) {
    auto lock = inventory_->ReadLock();
    for (const PlanNode& node : nodes) {
      if (node.kind == Node::kCount) {
        counters_->Operation("diamonds_by_query_count");
        executed_data = true;
        counts_[&node] = inventory_->CountLocked(node.query);
      } else if (node.kind == Node::kPage) {
        counters_->Operation("diamonds_by_query");
        executed_data = true;
        deepest_offset = std::max(deepest_offset, node.offset);
        uint64_t call_salt = HashOf(salt_, page_calls_++);
        auto result = inventory_->PageLocked(node.query, node.order, node.offset, node.limit, call_salt);
        auto& offers = result.offers;
        Rng rng(HashOf(call_salt, 0x5e0));
        bool mid_result = node.offset + static_cast<int64_t>(offers.size()) < result.matched;
        if (options_.short_page_fraction > 0 && node.limit > 1 && static_cast<int64_t>(offers.size()) == node.limit &&
            mid_result && rng.Chance(options_.short_page_fraction)) {
          offers.resize(static_cast<size_t>(rng.Range(1, node.limit - 1)));
        }
        pages_[&node] = std::move(offers);
      }
    }
  }

  void Page(std::string* out, const PlanNode& node) {
    const std::vector<Offer>& offers = pages_.at(&node);
    out->push_back('{');
    bool first = true;
    for (const PlanNode& child : node.children) {
      if (!first) out->push_back(',');
      first = false;
      json::Key(out, child.key);
      if (child.kind == Node::kTypename) {
        json::String(out, child.type_name);
      } else if (child.kind == Node::kTotalCount) {
        json::Int(out, static_cast<int64_t>(offers.size()));
      } else {
        out->push_back('[');
        for (size_t i = 0; i < offers.size(); ++i) {
          if (i) out->push_back(',');
          WriteItem(out, offers[i], inventory_->generator().seed(), child.items, inventory_->generator().content());
        }
        out->push_back(']');
      }
    }
    out->push_back('}');
  }

  const Inventory* inventory_;
  TokenStore* tokens_;
  Counters* counters_;
  const ExecutorOptions& options_;
  uint64_t salt_;
  uint64_t page_calls_ = 0;
  std::string token_;
  std::map<const PlanNode*, int64_t> counts_;
  std::map<const PlanNode*, std::vector<Offer>> pages_;
};

}  // namespace

Executor::Executor(const Inventory* inventory, TokenStore* tokens, Counters* counters, ExecutorOptions options)
    : inventory_(inventory), tokens_(tokens), counters_(counters), options_(options) {}

Execution Executor::Execute(std::string_view http_body) {
  Execution exec;
  nlohmann::json body = nlohmann::json::parse(http_body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    counters_->Operation("invalid");
    exec.http_status = 400;
    exec.body = ErrorsOnly("POST body must be a JSON object {query, variables, operationName}", "BAD_REQUEST");
    return exec;
  }
  auto query_it = body.find("query");
  if (query_it == body.end() || !query_it->is_string()) {
    counters_->Operation("invalid");
    exec.http_status = 400;
    exec.body = ErrorsOnly("POST body missing \"query\" string", "BAD_REQUEST");
    return exec;
  }
  std::map<std::string, Value> variables;
  auto vars_it = body.find("variables");
  if (vars_it != body.end() && !vars_it->is_null()) {
    if (!vars_it->is_object()) {
      counters_->Operation("invalid");
      exec.http_status = 400;
      exec.body = ErrorsOnly("\"variables\" must be a JSON object", "BAD_REQUEST");
      return exec;
    }
    for (const auto& [key, value] : vars_it->items()) variables.emplace(key, FromJson(value));
  }
  std::string operation_name;
  auto name_it = body.find("operationName");
  if (name_it != body.end() && name_it->is_string()) operation_name = name_it->get<std::string>();

  auto fail = [&](const Status& status, const char* code) {
    counters_->Operation("invalid");
    exec.body = ErrorsOnly(status.message(), code);
    return exec;
  };
  auto doc = gql::Parse(query_it->get_ref<const std::string&>());
  if (!doc.ok()) return fail(doc.status(), "GRAPHQL_PARSE_FAILED");
  const gql::Operation* op = nullptr;
  for (const auto& candidate : doc->operations) {
    if (operation_name.empty() ? doc->operations.size() == 1 : candidate.name == operation_name) op = &candidate;
  }
  if (op == nullptr) {
    return fail(Status(Code::kInvalidArgument,
                       operation_name.empty() ? "Must provide operation name if query contains multiple operations."
                                              : "Unknown operation named \"" + operation_name + "\"."),
                "GRAPHQL_VALIDATION_FAILED");
  }
  if (op->kind != "query") {
    return fail(Status(Code::kInvalidArgument, "Schema is not configured to execute " + op->kind + " operation."),
                "GRAPHQL_VALIDATION_FAILED");
  }
  Inputs inputs(&variables, &op->variables);
  Status declared = inputs.CheckDeclared();
  if (!declared.ok()) return fail(declared, "BAD_USER_INPUT");
  Planner planner(inputs, options_);
  auto plan = planner.Fields(op->selection, "Query");
  if (!plan.ok()) {
    return fail(plan.status(),
                plan.status().code() == Code::kPermanent ? "BAD_USER_INPUT" : "GRAPHQL_VALIDATION_FAILED");
  }
  Runner runner(inventory_, tokens_, counters_, options_, HashOf(options_.seed, calls_.fetch_add(1)));
  std::string data;
  data.reserve(4096);
  std::vector<std::string> path;
  runner.Object(&data, *plan, &path);
  exec.deepest_offset = runner.deepest_offset;
  exec.executed_data = runner.executed_data;
  exec.body.reserve(data.size() + 64);
  exec.body = "{";
  if (!runner.errors.empty()) {
    exec.body.append("\"errors\":[");
    for (size_t i = 0; i < runner.errors.size(); ++i) {
      if (i) exec.body.push_back(',');
      exec.body.append(runner.errors[i]);
    }
    exec.body.append("],");
  }
  exec.body.append("\"data\":");
  exec.body.append(data);
  exec.body.push_back('}');
  return exec;
}

}  // namespace di::sim
