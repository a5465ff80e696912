# Scenario 7 (issue 8): security against the real binary (security_test.cpp).
di_test(security_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/security_test.cpp
  DEPS di_options di_test_pipeline di_test_process di_app di_test_pg di_test_sim di_sim nlohmann_json::nlohmann_json
  FIXTURES pg
  TIMEOUT 180
  LABELS reliability)
add_dependencies(security_test diamond-ingest nivoda-sim)
