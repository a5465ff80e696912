// Where diamond-ingest keeps local state (DI_DATA_DIR) when the setting is
// unset: never a path relative to the working directory, which would put a
// second PostgreSQL cluster wherever a command happens to be started.
//
//   as root                       /var/lib/diamond-ingest (a system service)
//   $XDG_DATA_HOME is absolute    $XDG_DATA_HOME/diamond-ingest
//   else, $HOME is absolute       $HOME/.local/share/diamond-ingest
//   else                          "" (the caller decides whether that is an error)
//
// A relative DI_DATA_DIR given by the user is made absolute once, at start-up.
// Pure functions but for the working directory; thread-safe.
#pragma once

#include <map>
#include <string>

namespace di {

// The default for ENVIRONMENT (the process environment) and AS_ROOT (euid 0).
std::string DefaultDataDir(const std::map<std::string, std::string>& environment, bool as_root);

// DIR made absolute against the working directory (unchanged when absolute or empty).
std::string AbsoluteDataDir(const std::string& dir);

}  // namespace di
