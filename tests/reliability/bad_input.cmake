# Scenario 6 (issue 8): bad input against the real processes (bad_input_test.cpp).
di_test(bad_input_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/bad_input_test.cpp
  DEPS di_options di_test_pipeline di_test_process di_app di_test_pg di_test_sim di_sim
  FIXTURES pg
  TIMEOUT 180
  LABELS reliability)
add_dependencies(bad_input_test diamond-ingest nivoda-sim)
