# Helpers the benchmarks share (sorted first, so the others can link them):
# di_bench_health: table and index health (sizes, dead tuples, pgstattuple).
add_library(di_bench_health STATIC ${CMAKE_CURRENT_LIST_DIR}/table_health.cpp)
target_link_libraries(di_bench_health PUBLIC di_options di_store)
target_include_directories(di_bench_health PUBLIC ${CMAKE_CURRENT_LIST_DIR})
