# bench_rate_adapt: a full run with NIVODA_RATE_LIMIT 25 against a vendor that
# allows 10/s (the limiter adapts to its 429s), beside a baseline configured at
# 10/s, in the same run; prints the wall-time ratio.
add_executable(bench_rate_adapt ${CMAKE_CURRENT_LIST_DIR}/bench_rate_adapt.cpp)
target_link_libraries(bench_rate_adapt PRIVATE di_options di_test_pipeline)
