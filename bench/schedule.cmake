# bench_schedule: the real scheduler against nivoda-sim (440,000 offers, 1.5 s
# median latency, 25 requests/s): count queries, planning wall time and balance
# of the default heatmap vs --heatmap=seed, in one run (about 7 minutes).
add_executable(bench_schedule ${CMAKE_CURRENT_LIST_DIR}/bench_schedule.cpp)
target_link_libraries(bench_schedule PRIVATE di_options di_test_schedule)
add_dependencies(bench_schedule nivoda-sim)
