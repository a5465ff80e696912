// Minimal, fast JSON text building by appending to a std::string. Output is
// compact (no whitespace) and deterministic. Stateless; thread-safe.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace di::sim::json {

inline void Raw(std::string* out, std::string_view s) { out->append(s); }

inline void Int(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

// Writes V / 100 with at most two decimals and no trailing zeros: 510 -> 5.1.
inline void Hundredths(std::string* out, int64_t v) {
  if (v < 0) {
    out->push_back('-');
    v = -v;
  }
  Int(out, v / 100);
  int frac = static_cast<int>(v % 100);
  if (frac == 0) return;
  out->push_back('.');
  out->push_back(static_cast<char>('0' + frac / 10));
  if (frac % 10 != 0) out->push_back(static_cast<char>('0' + frac % 10));
}

inline void Bool(std::string* out, bool v) { out->append(v ? "true" : "false"); }
inline void Null(std::string* out) { out->append("null"); }

// Appends S as a JSON string literal, escaping quotes, backslashes and controls.
inline void String(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        static const char* kHex = "0123456789abcdef";
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out->append(esc, 6);
      }
    }
  }
  out->append(s.data() + start, s.size() - start);
  out->push_back('"');
}

// Appends "KEY": (key is trusted not to need escaping: a GraphQL name).
inline void Key(std::string* out, std::string_view key) {
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

}  // namespace di::sim::json
