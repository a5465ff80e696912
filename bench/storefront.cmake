# bench_storefront: storefront searches on 1,340,000 diamonds rows while a
# consolidation writes, with migration 016's indexes and with the index set
# before it (same run), and the consolidation's wall time with and without
# them (about 10 minutes).
add_executable(bench_storefront ${CMAKE_CURRENT_LIST_DIR}/bench_storefront.cpp
               ${CMAKE_CURRENT_LIST_DIR}/storefront_queries.cpp ${CMAKE_CURRENT_LIST_DIR}/storefront_data.cpp)
target_link_libraries(bench_storefront PRIVATE di_options di_app di_test_pg di_test_storefront di_bench_support)
