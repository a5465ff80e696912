#include "config/data_dir.h"

#include <filesystem>

namespace di {
namespace {

// VALUE of NAME in ENVIRONMENT when it is an absolute path, else "".
std::string AbsoluteVariable(const std::map<std::string, std::string>& environment, const std::string& name) {
  auto it = environment.find(name);
  if (it == environment.end() || it->second.empty() || it->second.front() != '/') return "";
  return it->second;
}

}  // namespace

std::string DefaultDataDir(const std::map<std::string, std::string>& environment, bool as_root) {
  if (as_root) return "/var/lib/diamond-ingest";
  if (std::string xdg = AbsoluteVariable(environment, "XDG_DATA_HOME"); !xdg.empty()) {
    return (std::filesystem::path(xdg) / "diamond-ingest").string();
  }
  if (std::string home = AbsoluteVariable(environment, "HOME"); !home.empty()) {
    return (std::filesystem::path(home) / ".local/share/diamond-ingest").string();
  }
  return "";
}

std::string AbsoluteDataDir(const std::string& dir) {
  if (dir.empty() || dir.front() == '/') return dir;
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(dir, ec);
  return ec ? dir : absolute.lexically_normal().string();
}

}  // namespace di
