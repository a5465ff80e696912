# Shared helpers of the reliability scenarios (reliability_support.h): child
# processes, soak mode and seed, the end-of-sync invariants.
add_library(di_test_reliability STATIC ${CMAKE_CURRENT_LIST_DIR}/reliability_support.cpp)
target_link_libraries(di_test_reliability PUBLIC di_options di_store di_test_pg di_test_sim GTest::gtest)
target_include_directories(di_test_reliability PUBLIC ${CMAKE_CURRENT_LIST_DIR})
