# bench_sim: nivoda-sim page throughput and count latency against a trivial
# HTTP baseline measured in the same run; startup time and RSS at 1,000,000 offers.
add_executable(bench_sim ${CMAKE_CURRENT_LIST_DIR}/bench_sim.cpp)
target_link_libraries(bench_sim PRIVATE di_options di_sim di_test_sim di_nivoda PkgConfig::HTTPLIB Threads::Threads)
add_dependencies(bench_sim nivoda-sim)
target_compile_definitions(bench_sim PRIVATE DI_SOURCE_DIR_FOR_BENCH="${PROJECT_SOURCE_DIR}")
