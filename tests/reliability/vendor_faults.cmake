# Scenario 2: vendor faults (5xx, hangs past the client timeout, 429 bursts,
# revoked tokens, malformed JSON, GraphQL errors) and a permanent error.
# The shared helpers library is defined in reliability_support.cmake.
di_test(vendor_faults_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/vendor_faults_test.cpp DEPS di_test_reliability
        FIXTURES pg TIMEOUT 3600 LABELS reliability)
