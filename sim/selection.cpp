#include "sim/selection.h"

#include <cstdlib>
#include <string>

#include "schema/item_selection.h"
#include "sim/graphql_parser.h"

namespace di::sim {

Result<std::vector<SelectedField>> CompileSelection(ObjType type, const std::vector<gql::Field>& selection) {
  std::vector<SelectedField> out;
  for (const gql::Field& f : selection) {
    const FieldDef* def = FindField(type, f.name);
    std::string type_name(TypeName(type));
    if (def == nullptr) {
      return Status(Code::kInvalidArgument, "Cannot query field \"" + f.name + "\" on type \"" + type_name + "\".");
    }
    if (!f.arguments.empty()) {
      return Status(Code::kInvalidArgument, "Unknown argument \"" + f.arguments.front().first + "\" on field \"" +
                                                type_name + "." + f.name + "\".");
    }
    SelectedField sf{f.key(), def->id, def->child, type, {}};
    if (def->child == ObjType::kNone) {
      if (!f.selection.empty()) {
        return Status(Code::kInvalidArgument, "Field \"" + f.name + "\" must not have a selection since it is a leaf.");
      }
    } else {
      if (f.selection.empty()) {
        return Status(Code::kInvalidArgument, "Field \"" + f.name + "\" of type \"" +
                                                  std::string(TypeName(def->child)) +
                                                  "\" must have a selection of subfields.");
      }
      DI_ASSIGN_OR_RETURN(sf.children, CompileSelection(def->child, f.selection));
    }
    out.push_back(std::move(sf));
  }
  return out;
}

const std::vector<SelectedField>& FullItemSelection() {
  static const std::vector<SelectedField> kFull = [] {
    auto doc = gql::Parse("{" + std::string(schema::kItemSelection) + "}");
    if (!doc.ok()) std::abort();  // a bug: the client's selection must parse
    auto compiled = CompileSelection(ObjType::kItem, doc->operations.front().selection);
    if (!compiled.ok()) std::abort();  // a bug: the simulator must serve every field the client asks for
    return std::move(compiled).value();
  }();
  return kFull;
}

}  // namespace di::sim
