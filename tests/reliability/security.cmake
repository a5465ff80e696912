# Scenario 7 (issue 8): security against the real binary (security_test.cpp).
di_test(security_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/security_test.cpp
          ${PROJECT_SOURCE_DIR}/tests/worker/pipeline_fixture.cpp
          ${PROJECT_SOURCE_DIR}/tests/app/process.cpp
  DEPS di_options di_app di_test_pg di_test_sim di_sim nlohmann_json::nlohmann_json
  FIXTURES pg
  TIMEOUT 180
  LABELS reliability)
target_include_directories(security_test PRIVATE ${PROJECT_SOURCE_DIR}/tests/worker ${PROJECT_SOURCE_DIR}/tests/app)
add_dependencies(security_test diamond-ingest nivoda-sim)
