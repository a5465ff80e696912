# bench_parse: Nivoda page parsing speed vs a simdjson-only floor and a
# nlohmann parse-and-reserialise baseline, in the same run.
add_executable(bench_parse ${CMAKE_CURRENT_LIST_DIR}/bench_parse.cpp)
target_link_libraries(bench_parse PRIVATE di_options di_nivoda simdjson::simdjson nlohmann_json::nlohmann_json)
