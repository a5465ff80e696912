# di_fuzz_targets: the fuzz targets' bodies (fuzz/target_*.cpp) as a library,
# linked by the libFuzzer executables (fuzz/CMakeLists.txt) and by the
# regression test (tests/fuzz). Included from both; defined once.
if(NOT TARGET di_fuzz_targets)
  di_library(di_fuzz_targets
    SOURCES
      ${PROJECT_SOURCE_DIR}/fuzz/invariant.cpp
      ${PROJECT_SOURCE_DIR}/fuzz/target_page_parser.cpp
      ${PROJECT_SOURCE_DIR}/fuzz/target_work_item.cpp
      ${PROJECT_SOURCE_DIR}/fuzz/target_connection_strings.cpp
      ${PROJECT_SOURCE_DIR}/fuzz/target_map_offer.cpp
    DEPS di_common di_nivoda di_queue di_config di_consolidate)
  target_include_directories(di_fuzz_targets PUBLIC ${PROJECT_SOURCE_DIR}/fuzz)
endif()
