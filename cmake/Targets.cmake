# Shared compile settings for every target of ours.
add_library(di_options INTERFACE)
target_compile_options(di_options INTERFACE -Wall -Wextra -Werror)
target_include_directories(di_options INTERFACE ${PROJECT_SOURCE_DIR}/src)
if(DI_SANITIZE)
  target_compile_options(di_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(di_options INTERFACE -fsanitize=address,undefined)
endif()
if(DI_FUZZ AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # Libraries instrumented for libFuzzer; fuzz/ links the targets with -fsanitize=fuzzer.
  target_compile_options(di_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(di_options INTERFACE -fsanitize=address,undefined)
endif()

# di_library(NAME SOURCES... DEPS ...): a static library for one folder of src/.
function(di_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC di_options ${ARG_DEPS})
endfunction()

# di_test(NAME SOURCES... DEPS ... [FIXTURES pg]): a GoogleTest binary run by ctest.
function(di_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;FIXTURES;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE di_options ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set(timeout 300)
  if(ARG_TIMEOUT)
    set(timeout ${ARG_TIMEOUT})
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${timeout}
    ENVIRONMENT "DI_TEST_SERVERS_DIR=${PROJECT_BINARY_DIR}/test-servers;DI_BIN_DIR=${PROJECT_BINARY_DIR}/bin;DI_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  if(ARG_FIXTURES)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED "${ARG_FIXTURES}")
  endif()
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()

set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
