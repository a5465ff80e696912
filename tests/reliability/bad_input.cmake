# Scenario 6 (issue 8): bad input against the real processes (bad_input_test.cpp).
di_test(bad_input_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/bad_input_test.cpp
          ${PROJECT_SOURCE_DIR}/tests/worker/pipeline_fixture.cpp
          ${PROJECT_SOURCE_DIR}/tests/app/process.cpp
  DEPS di_options di_app di_test_pg di_test_sim di_sim
  FIXTURES pg
  TIMEOUT 180
  LABELS reliability)
target_include_directories(bad_input_test PRIVATE ${PROJECT_SOURCE_DIR}/tests/worker ${PROJECT_SOURCE_DIR}/tests/app)
add_dependencies(bad_input_test diamond-ingest nivoda-sim)
