# bench_plan: count queries, modelled planning wall time and balance of the
# default (adaptive) heatmap vs --heatmap=seed on a 437,849-offer model inventory.
add_executable(bench_plan
  ${CMAKE_CURRENT_SOURCE_DIR}/bench_plan.cpp
  ${PROJECT_SOURCE_DIR}/tests/plan/synthetic_inventory.cpp
  ${PROJECT_SOURCE_DIR}/tests/plan/density_bands.cpp)
target_include_directories(bench_plan PRIVATE ${PROJECT_SOURCE_DIR}/tests/plan)
target_link_libraries(bench_plan PRIVATE di_options di_plan)
