// Prints di::nivoda::AllQueries() as a JSON array of strings (for schema_check.js).
#include <cstdio>
#include <string>

#include "common/log.h"
#include "nivoda/queries.h"

int main() {
  std::string out = "[";
  bool first = true;
  for (auto q : di::nivoda::AllQueries()) {
    if (!first) out += ",";
    first = false;
    di::log::AppendJsonString(&out, q);
  }
  out += "]\n";
  std::fputs(out.c_str(), stdout);
  return 0;
}
