# bench_consolidate: consolidation of 900,000 lab-grown raw offers (the real
# Consolidator, 2 batch loops) vs a plain INSERT ... SELECT of the same rows
# into a table of the same shape, measured in the same run; then an unchanged
# full run and one that saw all but 1% (wall, dead tuples, peak RSS).
add_executable(bench_consolidate ${CMAKE_CURRENT_LIST_DIR}/bench_consolidate.cpp)
target_link_libraries(bench_consolidate PRIVATE di_options di_app di_consolidate di_test_pg di_bench_health
                      di_bench_support nlohmann_json::nlohmann_json)
