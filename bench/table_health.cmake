# bench_table_health: 30 simulated days (each 1 full + 23 incremental runs, 2%
# daily churn) of 20,000 offers through the real pipeline, twice side by side:
# with the consolidator's upkeep (retention, the raw run_id index rebuild) and
# the baseline without either, both on default autovacuum; table and index
# health of both (pgstattuple, pgstatindex).
add_executable(bench_table_health ${CMAKE_CURRENT_LIST_DIR}/bench_table_health.cpp)
target_link_libraries(bench_table_health PRIVATE di_options di_test_pipeline di_ops di_bench_health)
