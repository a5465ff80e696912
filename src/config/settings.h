// The settings table: one row per configuration variable, as data.
//
// Each row gives the variable's name, kind, default (as text), bounds or
// choices, whether it is a secret, a one-line description, and the Config
// field it fills. Everything else is derived from the table: the command-line
// flag (PAGE_SIZE -> --page-size), the validation, the `config` listing and
// the Markdown table in src/config/README.md (`diamond-ingest config --markdown`).
//
// Adding a setting: add a field to Config (config.h), a row to kSettings
// (settings.cpp), then regenerate the README table; the README test fails
// until the table is pasted.
//
// Thread-safety: the table is constant and every function here is pure, so
// all are safe to call from any thread.
#pragma once

#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace di {

enum class SettingKind {
  kString,
  kInt,
  kDouble,
  kBool,         // true/false, 1/0, yes/no, on/off
  kUrl,          // http(s)://host[:port][/path]
  kDuration,     // integer in the setting's unit, or with a suffix ms/s/m/h/d
  kEnum,         // one of the row's choices (case-insensitive)
  kEnumList,     // one or more of the row's choices, comma-separated, none twice
  kHostPort,     // host:port
  kEmail,        // a@b or "Name <a@b>"
  kEmailList,    // comma-separated kEmail
  kDatabaseUrl,  // postgres:// URL or libpq keywords
  kStorageConnectionString,
  kServiceBusConnectionString,
};
const char* SettingKindName(SettingKind kind);

enum class DurationUnit { kNone, kMilliseconds, kSeconds, kMinutes, kHours, kDays };

// Inclusive unless marked exclusive; in the setting's unit for durations.
struct Bounds {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;
  bool max_exclusive = false;
  bool bounded() const {
    return min != -std::numeric_limits<double>::infinity() || max != std::numeric_limits<double>::infinity();
  }
};

// The Config member a setting fills; its type matches the kind.
using ConfigField =
    std::variant<std::string Config::*, int Config::*, double Config::*, bool Config::*, Config::Millis Config::*,
                 Feed Config::*, std::vector<Feed> Config::*, HeatmapMode Config::*, log::Level Config::*,
                 LogFormatSetting Config::*, HostPort Config::*, std::vector<std::string> Config::*,
                 std::optional<StorageConnectionString> Config::*, std::optional<ServiceBusConnectionString> Config::*>;

struct Setting {
  std::string_view name;  // environment variable
  SettingKind kind;
  std::string_view default_value;  // as text; empty: unset by default
  std::string_view description;    // one line, for --help and the README
  ConfigField field;
  Bounds bounds = {};
  std::span<const std::string_view> choices = {};  // kEnum(List): in the enum's declaration order
  DurationUnit unit = DurationUnit::kNone;         // kDuration: unit of a bare number
  bool secret = false;                             // never printed, never in an error message
};

// Every setting, in documentation order.
std::span<const Setting> AllSettings();
// The row named NAME, or nullptr.
const Setting* FindSetting(std::string_view name);
// "--page-size" for PAGE_SIZE.
std::string FlagName(const Setting& setting);

// Parses TEXT (non-empty) as SETTING's kind, checks its bounds and stores it
// in CONFIG. On error, the message says what is wrong without the variable's
// name (the caller adds it) and quotes TEXT only when the setting is not secret.
Status ApplySetting(const Setting& setting, std::string_view text, Config* config);
// Values to register with log::AddSecret for a secret setting's TEXT: the text
// itself plus the key or password inside it, when it parses. Empty for others.
std::vector<std::string> SecretsIn(const Setting& setting, std::string_view text);

// The effective value of SETTING in CONFIG as text ("***" for a set secret,
// "" for unset).
std::string FormatSetting(const Setting& setting, const Config& config);
// "1..50", "(0, 1]", "natural, labgrown", ... ; empty when unconstrained.
std::string DescribeAllowed(const Setting& setting);

// The configuration table for src/config/README.md.
std::string RenderSettingsMarkdown();
// The effective configuration, one "NAME=value  # source" line per setting.
std::string RenderEffectiveConfig(const Config& config);

}  // namespace di
