# Configuration library and the diamond-ingest executable.
#
# di_config: the typed Config, the settings table, .env and connection-string
# parsing (no CLI11 here: tests and other tools link it cheaply).
di_library(di_config
  SOURCES config.cpp settings.cpp dotenv.cpp connection_strings.cpp
  DEPS di_common)

# diamond-ingest = cli.cpp (the only CLI11 user) + every src/app/cmd_*.cpp.
# A new subcommand needs no edit here: add cmd_x.cpp, declare it in
# commands.h and register it in cli.cpp (see commands.h).
file(GLOB di_command_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/cmd_*.cpp)
list(SORT di_command_sources)
# di_app: the roles' orchestration (components, scheduler, worker, ...), linked
# by diamond-ingest and by the integration tests. Its sources: every
# src/app/*.cpp except cli.cpp, cmd_*.cpp and the config files above.
file(GLOB di_app_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
list(FILTER di_app_sources EXCLUDE REGEX "/(cli|cmd_[^/]*|config|settings|dotenv|connection_strings)\\.cpp$")
list(SORT di_app_sources)
di_library(di_app SOURCES ${di_app_sources}
  DEPS di_config di_store di_queue di_nivoda di_nivoda_account di_cloud PkgConfig::HTTPLIB prometheus-cpp::core)
foreach(lib di_plan di_ingest di_consolidate)
  if(TARGET ${lib})
    target_link_libraries(di_app PUBLIC ${lib})
  endif()
endforeach()

add_executable(diamond-ingest cli.cpp ${di_command_sources})
target_link_libraries(diamond-ingest PRIVATE di_options di_app di_config di_common CLI11::CLI11)
# Every library of src/ that exists (src/app is added after all of them).
foreach(lib di_store di_queue di_nivoda di_nivoda_account di_plan di_ingest di_consolidate di_cloud)
  if(TARGET ${lib})
    target_link_libraries(diamond-ingest PRIVATE ${lib})
  endif()
endforeach()
