# Scenario 4: inventory churn during a full run (churn_test.cpp). The shared
# helpers library is defined in reliability_support.cmake.
di_test(churn_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/churn_test.cpp DEPS di_test_reliability
        FIXTURES pg TIMEOUT 3600 LABELS reliability)
