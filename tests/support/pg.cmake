# PostgreSQL for the suite: a ctest fixture starts it once and stops it by PID.
add_executable(pg_fixture ${CMAKE_CURRENT_LIST_DIR}/pg_fixture.cpp)
target_link_libraries(pg_fixture PRIVATE di_options di_store)

add_library(di_test_pg STATIC ${CMAKE_CURRENT_LIST_DIR}/test_database.cpp)
target_link_libraries(di_test_pg PUBLIC di_options di_store)
target_include_directories(di_test_pg PUBLIC ${CMAKE_CURRENT_LIST_DIR})

set(DI_PG_DIR ${PROJECT_BINARY_DIR}/test-servers/pg)
add_test(NAME pg_start COMMAND pg_fixture start ${DI_PG_DIR})
add_test(NAME pg_stop COMMAND pg_fixture stop ${DI_PG_DIR})
set_tests_properties(pg_start PROPERTIES FIXTURES_SETUP pg TIMEOUT 120)
set_tests_properties(pg_stop PROPERTIES FIXTURES_CLEANUP pg TIMEOUT 60)

# di_test_storefront: `diamonds` rows shaped like the inventory (storefront test and bench_storefront).
add_library(di_test_storefront STATIC ${CMAKE_CURRENT_LIST_DIR}/storefront_rows.cpp)
target_link_libraries(di_test_storefront PUBLIC di_options di_store)
target_include_directories(di_test_storefront PUBLIC ${CMAKE_CURRENT_LIST_DIR})
