# bench_consolidate: consolidation throughput of 440,000 raw offers (the real
# Consolidator, 2 batch loops) vs a plain INSERT ... SELECT of the same rows
# into a table of the same shape, measured in the same run (about 1-2 minutes).
add_executable(bench_consolidate ${CMAKE_CURRENT_LIST_DIR}/bench_consolidate.cpp)
target_link_libraries(bench_consolidate PRIVATE di_options di_app di_consolidate di_test_pg nlohmann_json::nlohmann_json)
