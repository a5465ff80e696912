# Scenario 1, crash storm: SIGKILLed workers and consolidator (crash_storm_test.cpp).
# Real processes: the test needs diamond-ingest and nivoda-sim built.
di_test(crash_storm_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/crash_storm_test.cpp DEPS di_test_reliability
        FIXTURES pg TIMEOUT 1200 LABELS reliability)
add_dependencies(crash_storm_test diamond-ingest nivoda-sim)
