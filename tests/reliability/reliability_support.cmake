# Shared helpers of the reliability scenarios: reliability_support.h (child
# processes, soak mode and seed, log directories, the end-of-sync invariants)
# and churn_support.h (worker processes on a Pipeline, verification rounds,
# consolidation, reporting; used by churn, vendor faults and rate limit).
# Both build on the pipeline fixture (tests/support).
add_library(di_test_reliability STATIC ${CMAKE_CURRENT_LIST_DIR}/reliability_support.cpp
                                       ${CMAKE_CURRENT_LIST_DIR}/churn_support.cpp)
target_link_libraries(di_test_reliability PUBLIC di_options di_app di_store di_test_pg di_test_sim di_test_pipeline
                      nlohmann_json::nlohmann_json GTest::gtest)
target_include_directories(di_test_reliability PUBLIC ${CMAKE_CURRENT_LIST_DIR})
