# Scenario 4 (inventory churn during a full run) and the helpers shared with
# scenarios 2 (vendor_faults.cmake) and 5 (rate_limit.cmake). The Pipeline
# fixture comes from tests/worker (configure with DI_TEST_AREAS including worker).
if(NOT TARGET di_test_reliability_scenarios)
  add_library(di_test_reliability_scenarios STATIC ${CMAKE_CURRENT_LIST_DIR}/churn_support.cpp)
  target_link_libraries(di_test_reliability_scenarios PUBLIC di_options di_app di_test_pipeline
                        nlohmann_json::nlohmann_json GTest::gtest)
  target_include_directories(di_test_reliability_scenarios PUBLIC ${CMAKE_CURRENT_LIST_DIR})
endif()

di_test(churn_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/churn_test.cpp DEPS di_test_reliability_scenarios
        FIXTURES pg TIMEOUT 3600 LABELS reliability)
