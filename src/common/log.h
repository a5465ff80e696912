// Structured logging: one JSON object per line, or a human format on terminals.
//
// Every line passes through the redactor: any registered secret (password,
// token, key, connection string) is replaced by "***" before it is written.
// Thread-safe: lines from several threads never interleave.
#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace di::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kJson, kHuman };

// A structured field: the value is rendered as a JSON string unless raw_json.
struct Field {
  Field(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  Field(std::string k, const char* v) : key(std::move(k)), value(v) {}
  Field(std::string k, std::string_view v) : key(std::move(k)), value(v) {}
  Field(std::string k, int64_t v) : key(std::move(k)), value(std::to_string(v)), raw_json(true) {}
  Field(std::string k, int v) : Field(std::move(k), static_cast<int64_t>(v)) {}
  Field(std::string k, uint64_t v) : key(std::move(k)), value(std::to_string(v)), raw_json(true) {}
  Field(std::string k, double v);
  Field(std::string k, bool v) : key(std::move(k)), value(v ? "true" : "false"), raw_json(true) {}
  std::string key;
  std::string value;
  bool raw_json = false;
};
using Fields = std::vector<Field>;

// Configures the process-wide logger (stderr). Safe to call again.
void Init(Level level, Format format);
// Parses "debug|info|warn|error"; false when unknown.
bool ParseLevel(std::string_view text, Level* out);

// Registers a secret to be redacted from every later line. Empty or very short
// strings (< 4 characters) are ignored: they would redact ordinary words.
void AddSecret(std::string_view secret);
// Returns TEXT with every registered secret replaced by "***".
std::string Redact(std::string_view text);

void Write(Level level, std::string_view message, const Fields& fields);
inline void Debug(std::string_view m, const Fields& f = {}) { Write(Level::kDebug, m, f); }
inline void Info(std::string_view m, const Fields& f = {}) { Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, const Fields& f = {}) { Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, const Fields& f = {}) { Write(Level::kError, m, f); }

// A status line kept at the bottom of a terminal (`run`'s live progress),
// drawn on STREAM: every log line written while one is shown first erases it
// ("\r" and erase-line) and then draws it again, so a log line never glues
// onto it. Each call redraws LINE in place.
void SetStatusLine(std::FILE* stream, std::string_view line);
// Erases the status line, if any; log lines are written plainly again.
void ClearStatusLine();

// Renders one line (without newline) as the logger would; for tests.
std::string FormatLine(Level level, Format format, std::string_view message, const Fields& fields);

// Appends S to OUT as a JSON string literal (with quotes).
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace di::log
