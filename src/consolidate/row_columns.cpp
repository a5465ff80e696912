#include "consolidate/row_columns.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <type_traits>

#include "store/pg.h"

namespace di::consolidate {
namespace {

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

void AppendDouble(std::string* out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, ec == std::errc() ? end : buf);
}

// One COPY text field (no separator).
template <typename T>
void AppendValue(std::string* out, const T& v) {
  if constexpr (IsOptional<T>::value) {
    if (!v) {
      out->append("\\N");
    } else {
      AppendValue(out, *v);
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    out->push_back(v ? 't' : 'f');
  } else if constexpr (std::is_same_v<T, double>) {
    AppendDouble(out, v);
  } else if constexpr (std::is_integral_v<T>) {
    out->append(std::to_string(v));
  } else {
    pg::AppendCopyText(out, std::string_view(v));
  }
}

template <typename T>
nlohmann::json JsonValue(const T& v) {
  if constexpr (IsOptional<T>::value) {
    return v ? JsonValue(*v) : nlohmann::json(nullptr);
  } else if constexpr (std::is_same_v<T, const char*>) {
    return std::string(v);
  } else {
    return v;
  }
}

}  // namespace

std::string ColumnList() {
  std::string out;
  ForEachColumn(DiamondRow{}, [&](std::string_view name, const auto&) {
    if (!out.empty()) out.append(", ");
    out.append(name);
  });
  return out;
}

void AppendCopyLine(std::string* out, const DiamondRow& r) {
  bool first = true;
  ForEachColumn(r, [&](std::string_view, const auto& value) {
    if (!first) out->push_back('\t');
    first = false;
    AppendValue(out, value);
  });
  out->push_back('\n');
}

std::string RowToJson(const DiamondRow& r) {
  nlohmann::json j = nlohmann::json::object();
  ForEachColumn(r, [&](std::string_view name, const auto& value) { j[std::string(name)] = JsonValue(value); });
  return j.dump();
}

}  // namespace di::consolidate
