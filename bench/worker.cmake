add_executable(bench_worker ${CMAKE_CURRENT_LIST_DIR}/bench_worker.cpp)
target_link_libraries(bench_worker PRIVATE di_options di_test_pipeline)
add_executable(bench_raw_write ${CMAKE_CURRENT_LIST_DIR}/bench_raw_write.cpp)
target_link_libraries(bench_raw_write PRIVATE di_options di_test_pipeline)
