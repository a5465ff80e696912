# di_schema: an interface library whose generated header schema/item_selection.h
# holds schema/item_selection.graphql as one line (comments dropped, whitespace
# collapsed, as the client sends it): DI_ITEM_SELECTION (a string literal) and
# di::schema::kItemSelection. Used by the client and the simulator alike, so the
# simulator does not depend on the client it checks.
set(di_schema_src ${PROJECT_SOURCE_DIR}/schema/item_selection.graphql)
set(di_schema_dir ${PROJECT_BINARY_DIR}/generated)
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${di_schema_src})
file(READ ${di_schema_src} di_selection)
string(REGEX REPLACE "#[^\n]*" "" di_selection "${di_selection}")
string(REGEX REPLACE "[ \t\r\n]+" " " di_selection "${di_selection}")
string(STRIP "${di_selection}" di_selection)
file(WRITE ${di_schema_dir}/schema/item_selection.h.tmp
  "// Generated from schema/item_selection.graphql by cmake/EmbedSchema.cmake. Do not edit.\n"
  "#pragma once\n\n#include <string_view>\n\n"
  "#define DI_ITEM_SELECTION \"${di_selection}\"\n\n"
  "namespace di::schema {\ninline constexpr std::string_view kItemSelection = DI_ITEM_SELECTION;\n}  // namespace di::schema\n")
file(COPY_FILE ${di_schema_dir}/schema/item_selection.h.tmp ${di_schema_dir}/schema/item_selection.h ONLY_IF_DIFFERENT)
add_library(di_schema INTERFACE)
target_include_directories(di_schema INTERFACE ${di_schema_dir})
