# Helpers shared by several test areas and the benchmarks:
# di_test_pipeline: a whole pipeline (PostgreSQL + nivoda-sim + components) in process;
# di_test_schedule: scheduler runs against nivoda-sim processes;
# di_test_process: child processes of the real binaries;
# di_test_azurite / di_test_rabbitmq: handles on the suite's Azurite and RabbitMQ.
add_library(di_test_pipeline STATIC ${CMAKE_CURRENT_LIST_DIR}/pipeline_fixture.cpp)
target_link_libraries(di_test_pipeline PUBLIC di_options di_app di_test_pg di_test_sim GTest::gtest)
target_include_directories(di_test_pipeline PUBLIC ${CMAKE_CURRENT_LIST_DIR})

add_library(di_test_schedule STATIC ${CMAKE_CURRENT_LIST_DIR}/schedule_support.cpp)
target_link_libraries(di_test_schedule PUBLIC di_options di_app di_test_pg di_test_sim GTest::gtest)
target_include_directories(di_test_schedule PUBLIC ${CMAKE_CURRENT_LIST_DIR})

add_library(di_test_process STATIC ${CMAKE_CURRENT_LIST_DIR}/process.cpp)
target_link_libraries(di_test_process PUBLIC di_options di_common)
target_include_directories(di_test_process PUBLIC ${CMAKE_CURRENT_LIST_DIR})

add_library(di_test_azurite STATIC ${CMAKE_CURRENT_LIST_DIR}/azurite.cpp)
target_link_libraries(di_test_azurite PUBLIC di_options di_cloud CURL::libcurl)
target_include_directories(di_test_azurite PUBLIC ${CMAKE_CURRENT_LIST_DIR})

add_library(di_test_rabbitmq STATIC ${CMAKE_CURRENT_LIST_DIR}/rabbitmq.cpp)
target_link_libraries(di_test_rabbitmq PUBLIC di_options di_queue)
target_include_directories(di_test_rabbitmq PUBLIC ${CMAKE_CURRENT_LIST_DIR})
