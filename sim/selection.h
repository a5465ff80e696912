// Compiling a GraphQL selection set on Item into SelectedFields, with schema
// validation (unknown fields, missing or superfluous sub-selections). Pure.
#pragma once

#include <vector>

#include "common/status.h"
#include "sim/graphql_ast.h"
#include "sim/item_writer.h"

namespace di::sim {

// Resolves SELECTION on TYPE. Errors use graphql-js wording, e.g.
// `Cannot query field "foo" on type "Certificate".`
Result<std::vector<SelectedField>> CompileSelection(ObjType type, const std::vector<gql::Field>& selection);

// The item selection of the client's page query (schema/item_selection.graphql, di::schema::kItemSelection),
// compiled once. The admin dump hashes items written with it.
const std::vector<SelectedField>& FullItemSelection();

}  // namespace di::sim
