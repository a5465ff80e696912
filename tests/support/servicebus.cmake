# servicebus-sim (the local Azure Service Bus, servicebus-sim/README.md) for the
# suite: a ctest fixture starts it once on 127.0.0.1 and stops it by PID. Tests
# find its ports in $DI_TEST_SERVERS_DIR/servicebus/{port,amqps_port,https_port,http_port},
# its certificate in cert.pem and a ready connection string in connection_string.
set(DI_SERVICEBUS_DIR ${PROJECT_BINARY_DIR}/test-servers/servicebus)
add_test(NAME servicebus_start COMMAND ${PROJECT_SOURCE_DIR}/scripts/test-servers/servicebus start ${DI_SERVICEBUS_DIR})
add_test(NAME servicebus_stop COMMAND ${PROJECT_SOURCE_DIR}/scripts/test-servers/servicebus stop ${DI_SERVICEBUS_DIR})
set_tests_properties(servicebus_start PROPERTIES FIXTURES_SETUP servicebus TIMEOUT 300 LABELS servicebus)
set_tests_properties(servicebus_stop PROPERTIES FIXTURES_CLEANUP servicebus TIMEOUT 60 LABELS servicebus)

# di_test_servicebus: handles on that instance (or a private one), its admin
# interface, and queue options built from its connection string.
add_library(di_test_servicebus STATIC ${CMAKE_CURRENT_LIST_DIR}/servicebus.cpp)
target_link_libraries(di_test_servicebus PUBLIC di_options di_queue nlohmann_json::nlohmann_json)
target_include_directories(di_test_servicebus PUBLIC ${CMAKE_CURRENT_LIST_DIR})
