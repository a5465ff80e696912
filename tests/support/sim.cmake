# di_test_sim: SimProcess, a real nivoda-sim process for tests (tests/support/sim_process.h).
add_library(di_test_sim STATIC ${CMAKE_CURRENT_LIST_DIR}/sim_process.cpp)
target_link_libraries(di_test_sim PUBLIC di_options di_common PRIVATE PkgConfig::HTTPLIB nlohmann_json::nlohmann_json)
target_include_directories(di_test_sim PUBLIC ${CMAKE_CURRENT_LIST_DIR})
add_dependencies(di_test_sim nivoda-sim)
