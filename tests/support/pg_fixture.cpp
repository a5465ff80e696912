// pg_fixture start|stop DIR: the ctest fixture that starts the suite's private
// PostgreSQL (through the same EmbeddedPostgres helper the tool uses) and stops
// it by PID. `start` writes the server URL to DIR/url.
#include <cstdio>
#include <fstream>
#include <string>

#include "store/embedded_postgres.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: pg_fixture start|stop DIR\n");
    return 2;
  }
  std::string cmd = argv[1];
  std::string dir = argv[2];
  if (cmd == "start") {
    di::pg::EmbeddedOptions options;
    options.dir = dir;
    options.database = "postgres";
    options.durable = false;
    options.max_connections = 300;
    auto url = di::pg::EmbeddedPostgres::StartOrReuse(options);
    if (!url.ok()) {
      std::fprintf(stderr, "pg_fixture: %s\n", url.status().ToString().c_str());
      return 1;
    }
    std::ofstream(dir + "/url") << *url << "\n";
    std::printf("pg_fixture: PostgreSQL at %s\n", url->c_str());
    return 0;
  }
  if (cmd == "stop") {
    auto status = di::pg::EmbeddedPostgres::Stop(dir);
    if (!status.ok()) {
      std::fprintf(stderr, "pg_fixture: %s\n", status.ToString().c_str());
      return 1;
    }
    std::printf("pg_fixture: stopped\n");
    return 0;
  }
  std::fprintf(stderr, "usage: pg_fixture start|stop DIR\n");
  return 2;
}
