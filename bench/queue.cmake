add_executable(bench_queue ${CMAKE_CURRENT_LIST_DIR}/bench_queue.cpp)
target_link_libraries(bench_queue PRIVATE di_options di_queue di_test_pg)
