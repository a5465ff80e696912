# RabbitMQ 3.10 with rabbitmq_amqp1_0 for the suite: a ctest fixture starts it
# once on 127.0.0.1 (own epmd, all state under the build tree) and stops both
# by PID. Tests find the AMQP port in $DI_TEST_SERVERS_DIR/rabbitmq/port and
# may restart the broker with `scripts/test-servers/rabbitmq restart DIR`.
set(DI_RABBITMQ_DIR ${PROJECT_BINARY_DIR}/test-servers/rabbitmq)
add_test(NAME rabbitmq_start COMMAND ${PROJECT_SOURCE_DIR}/scripts/test-servers/rabbitmq start ${DI_RABBITMQ_DIR})
add_test(NAME rabbitmq_stop COMMAND ${PROJECT_SOURCE_DIR}/scripts/test-servers/rabbitmq stop ${DI_RABBITMQ_DIR})
set_tests_properties(rabbitmq_start PROPERTIES FIXTURES_SETUP rabbitmq TIMEOUT 120)
set_tests_properties(rabbitmq_stop PROPERTIES FIXTURES_CLEANUP rabbitmq TIMEOUT 60)
