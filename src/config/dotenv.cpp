#include "config/dotenv.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace di {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

Status LineError(int line, const std::string& what) {
  return Status(Code::kInvalidArgument, "line " + std::to_string(line) + ": " + what);
}

// The rest of a line after a closing quote: blanks, optionally a comment.
bool OnlyCommentFollows(std::string_view rest) {
  size_t i = 0;
  while (i < rest.size() && IsBlank(rest[i])) ++i;
  return i == rest.size() || rest[i] == '#';
}

}  // namespace

Result<std::vector<DotenvEntry>> ParseDotenv(std::string_view text) {
  std::vector<DotenvEntry> entries;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // UTF-8 BOM
    size_t i = 0;
    while (i < line.size() && IsBlank(line[i])) ++i;
    if (i == line.size() || line[i] == '#') continue;
    if (line.substr(i).starts_with("export") && i + 6 < line.size() && IsBlank(line[i + 6])) {
      i += 6;
      while (i < line.size() && IsBlank(line[i])) ++i;
    }
    size_t key_start = i;
    if (i < line.size() && (std::isalpha(static_cast<unsigned char>(line[i])) || line[i] == '_')) {
      ++i;
      while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_')) ++i;
    }
    DotenvEntry entry;
    entry.line = line_no;
    entry.key = std::string(line.substr(key_start, i - key_start));
    if (entry.key.empty()) return LineError(line_no, "expected a variable name");
    while (i < line.size() && IsBlank(line[i])) ++i;
    if (i == line.size() || line[i] != '=') return LineError(line_no, "expected '=' after the variable name");
    ++i;
    while (i < line.size() && IsBlank(line[i])) ++i;
    std::string_view rest = line.substr(i);
    if (!rest.empty() && rest.front() == '\'') {
      size_t close = rest.find('\'', 1);
      if (close == std::string_view::npos) return LineError(line_no, "unterminated single quote");
      entry.value = std::string(rest.substr(1, close - 1));
      if (!OnlyCommentFollows(rest.substr(close + 1))) {
        return LineError(line_no, "unexpected text after the closing quote");
      }
    } else if (!rest.empty() && rest.front() == '"') {
      size_t j = 1;
      bool closed = false;
      while (j < rest.size()) {
        char c = rest[j++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c != '\\' || j == rest.size()) {
          entry.value.push_back(c);
          continue;
        }
        char e = rest[j++];
        switch (e) {
          case 'n':
            entry.value.push_back('\n');
            break;
          case 't':
            entry.value.push_back('\t');
            break;
          case 'r':
            entry.value.push_back('\r');
            break;
          case '"':
          case '\\':
          case '$':
            entry.value.push_back(e);
            break;
          default:
            entry.value.push_back('\\');
            entry.value.push_back(e);
        }
      }
      if (!closed) return LineError(line_no, "unterminated double quote");
      if (!OnlyCommentFollows(rest.substr(j))) {
        return LineError(line_no, "unexpected text after the closing quote");
      }
    } else {
      // Unquoted: a '#' preceded by a blank starts a comment.
      size_t end = rest.size();
      for (size_t j = 0; j < rest.size(); ++j) {
        if (rest[j] == '#' && (j == 0 || IsBlank(rest[j - 1]))) {
          end = j;
          break;
        }
      }
      std::string_view value = rest.substr(0, end);
      while (!value.empty() && IsBlank(value.back())) value.remove_suffix(1);
      entry.value = std::string(value);
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<std::vector<DotenvEntry>> ReadDotenvFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    if (err == ENOENT) return Status(Code::kNotFound, path + ": no such file");
    return Status(Code::kInvalidArgument, path + ": " + std::strerror(err));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Status(Code::kInvalidArgument, path + ": read error");
  auto parsed = ParseDotenv(buffer.str());
  if (!parsed.ok()) return Status(Code::kInvalidArgument, path + ": " + parsed.status().message());
  return parsed;
}

}  // namespace di
