# Azurite (Azure Blob emulator, npm azurite@3.35.0) for the suite: a ctest
# fixture starts it once on 127.0.0.1 and stops it by PID. Tests find its port
# in $DI_TEST_SERVERS_DIR/azurite/port.
set(DI_AZURITE_DIR ${PROJECT_BINARY_DIR}/test-servers/azurite)
add_test(NAME azurite_start COMMAND ${PROJECT_SOURCE_DIR}/scripts/test-servers/azurite start ${DI_AZURITE_DIR})
add_test(NAME azurite_stop COMMAND ${PROJECT_SOURCE_DIR}/scripts/test-servers/azurite stop ${DI_AZURITE_DIR})
set_tests_properties(azurite_start PROPERTIES FIXTURES_SETUP azurite TIMEOUT 300)
set_tests_properties(azurite_stop PROPERTIES FIXTURES_CLEANUP azurite TIMEOUT 60)
