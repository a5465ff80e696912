# Scenario 5: 30 partitions in flight (30 processes in soak) against a
# simulator enforcing 25 requests/s. The shared helpers library is defined in
# reliability_support.cmake.
di_test(rate_limit_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/rate_limit_test.cpp DEPS di_test_reliability
        FIXTURES pg TIMEOUT 3600 LABELS reliability)
