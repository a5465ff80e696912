// .env files: KEY=VALUE lines read as a fallback for environment variables.
//
// Syntax (a subset shared by docker compose, python-dotenv and dotenv):
//   # a comment line              blank lines are ignored
//   KEY=value                     surrounding blanks trimmed; " #..." ends the value
//   export KEY=value              the "export " prefix is ignored
//   KEY='literal $value # kept'   single quotes: taken verbatim
//   KEY="a\"b\n"                  double quotes: escapes \" \\ \n \t \r \$
//   KEY=                          an empty value (treated as unset by the loader)
// Keys match [A-Za-z_][A-Za-z0-9_]*. No variable expansion, no multi-line
// values. A later line for the same key wins.
//
// ParseDotenv is pure and thread-safe. Error messages name the line number,
// never its text (a line may hold a secret).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace di {

struct DotenvEntry {
  std::string key;
  std::string value;
  int line = 0;  // 1-based
};

// Entries in file order (duplicates kept; the last one wins for a consumer).
Result<std::vector<DotenvEntry>> ParseDotenv(std::string_view text);

// Reads and parses PATH. kNotFound when the file does not exist; other read
// failures are kInvalidArgument with the path and errno text.
Result<std::vector<DotenvEntry>> ReadDotenvFile(const std::string& path);

}  // namespace di
