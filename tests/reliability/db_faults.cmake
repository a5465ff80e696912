# Scenario 3, database faults: PostgreSQL restarts and pg_terminate_backend
# (db_faults_test.cpp). It starts its own PostgreSQL under
# test-servers/db_faults-pg (it restarts it), so it does not use the suite's
# "pg" fixture; the test stops it by PID, and a cleanup fixture stops it by PID
# too should the test binary die first.
di_test(db_faults_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/db_faults_test.cpp ${CMAKE_CURRENT_LIST_DIR}/db_faults_postgres.cpp
        DEPS di_test_reliability TIMEOUT 1200 LABELS reliability)
add_dependencies(db_faults_test diamond-ingest nivoda-sim pg_fixture)
add_test(NAME db_faults_pg_stop COMMAND pg_fixture stop ${PROJECT_BINARY_DIR}/test-servers/db_faults-pg)
set_tests_properties(db_faults_pg_stop PROPERTIES FIXTURES_CLEANUP db_faults_pg TIMEOUT 60 LABELS reliability)
set_tests_properties(db_faults_test PROPERTIES FIXTURES_REQUIRED db_faults_pg)
