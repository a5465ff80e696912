# Scenario 3, database faults: PostgreSQL restarts and pg_terminate_backend
# (db_faults_test.cpp). It starts its own PostgreSQL (it restarts it), so it
# does not use the suite's "pg" fixture.
di_test(db_faults_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/db_faults_test.cpp ${CMAKE_CURRENT_LIST_DIR}/db_faults_postgres.cpp
        DEPS di_test_reliability TIMEOUT 1200 LABELS reliability)
add_dependencies(db_faults_test diamond-ingest nivoda-sim)
