#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "common/clock.h"

namespace di::log {
namespace {

struct State {
  std::mutex mu;
  std::mutex console;                  // orders log lines and status-line drawing
  std::FILE* status_stream = nullptr;  // guarded by console
  std::string status_line;             // guarded by console; empty: none shown
  std::vector<std::string> secrets;
  Level level = Level::kInfo;
  Format format = Format::kJson;
};

State& GetState() {
  static State* state = new State();  // never destroyed: used from atexit paths
  return *state;
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::string Timestamp() { return FormatIso8601(std::chrono::system_clock::now()); }

spdlog::logger& Logger() {
  static spdlog::logger* logger = [] {
    auto* l = new spdlog::logger("di", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return *logger;
}

}  // namespace

Field::Field(std::string k, double v) : key(std::move(k)), raw_json(true) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  value = buf;
}

void Init(Level level, Format format) {
  State& s = GetState();
  std::lock_guard<std::mutex> lock(s.mu);
  s.level = level;
  s.format = format;
}

bool ParseLevel(std::string_view text, Level* out) {
  if (text == "debug")
    *out = Level::kDebug;
  else if (text == "info")
    *out = Level::kInfo;
  else if (text == "warn" || text == "warning")
    *out = Level::kWarn;
  else if (text == "error")
    *out = Level::kError;
  else
    return false;
  return true;
}

void AddSecret(std::string_view secret) {
  if (secret.size() < 4) return;
  State& s = GetState();
  std::lock_guard<std::mutex> lock(s.mu);
  for (const auto& known : s.secrets) {
    if (known == secret) return;
  }
  s.secrets.emplace_back(secret);
}

std::string Redact(std::string_view text) {
  State& s = GetState();
  std::string out(text);
  std::lock_guard<std::mutex> lock(s.mu);
  for (const auto& secret : s.secrets) {
    for (size_t pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + 3)) {
      out.replace(pos, secret.size(), "***");
    }
  }
  return out;
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

std::string FormatLine(Level level, Format format, std::string_view message, const Fields& fields) {
  std::string line;
  if (format == Format::kJson) {
    line += "{\"ts\":\"" + Timestamp() + "\",\"level\":\"" + LevelName(level) + "\",\"msg\":";
    AppendJsonString(&line, message);
    for (const auto& f : fields) {
      line.push_back(',');
      AppendJsonString(&line, f.key);
      line.push_back(':');
      if (f.raw_json)
        line += f.value;
      else
        AppendJsonString(&line, f.value);
    }
    line.push_back('}');
  } else {
    line = Timestamp().substr(11, 12) + " " + LevelName(level) + " " + std::string(message);
    for (const auto& f : fields) line += " " + f.key + "=" + f.value;
  }
  return Redact(line);
}

void Write(Level level, std::string_view message, const Fields& fields) {
  State& s = GetState();
  Format format;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (level < s.level) return;
    format = s.format;
  }
  const std::string line = FormatLine(level, format, message, fields);
  std::lock_guard<std::mutex> console(s.console);
  if (s.status_stream != nullptr) {
    std::fputs("\r\033[K", s.status_stream);
    std::fflush(s.status_stream);
  }
  Logger().info(line);
  if (s.status_stream != nullptr) {
    std::fputs(s.status_line.c_str(), s.status_stream);
    std::fflush(s.status_stream);
  }
}

void SetStatusLine(std::FILE* stream, std::string_view line) {
  State& s = GetState();
  std::lock_guard<std::mutex> console(s.console);
  s.status_stream = stream;
  s.status_line = std::string(line);
  std::fputs("\r\033[K", stream);
  std::fputs(s.status_line.c_str(), stream);
  std::fflush(stream);
}

void ClearStatusLine() {
  State& s = GetState();
  std::lock_guard<std::mutex> console(s.console);
  if (s.status_stream == nullptr) return;
  std::fputs("\r\033[K", s.status_stream);
  std::fflush(s.status_stream);
  s.status_stream = nullptr;
  s.status_line.clear();
}

}  // namespace di::log
