# Every dependency is a Debian 12 package installed by scripts/bootstrap.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(simdjson REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(prometheus-cpp REQUIRED)
if(DI_BUILD_TESTS)
  find_package(GTest REQUIRED)
  find_package(benchmark REQUIRED)
endif()

# cpp-httplib is a compiled library in Debian: take its Cflags (the *_SUPPORT
# macros) from pkg-config or the ABI does not match.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

# qpid-proton-cpp: broken pkg-config file and no CMake config.
find_path(PROTON_CPP_INCLUDE_DIR proton/container.hpp)
find_library(PROTON_CPP_LIBRARY qpid-proton-cpp)
if(PROTON_CPP_INCLUDE_DIR AND PROTON_CPP_LIBRARY)
  add_library(proton_cpp INTERFACE)
  target_include_directories(proton_cpp INTERFACE ${PROTON_CPP_INCLUDE_DIR})
  target_link_libraries(proton_cpp INTERFACE ${PROTON_CPP_LIBRARY})
endif()
