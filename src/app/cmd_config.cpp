// diamond-ingest config: the effective configuration, or the settings table.
#include <cstdio>

#include "app/commands.h"
#include "common/log.h"
#include "config/settings.h"

namespace di {

int RunConfig(const Config& config, const ConfigOptions& options) {
  // Secrets are already "***" in the listing; Redact is the second lock on the door.
  std::string text = options.markdown ? RenderSettingsMarkdown() : log::Redact(RenderEffectiveConfig(config));
  if (std::fputs(text.c_str(), stdout) == EOF || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "diamond-ingest: config: cannot write to stdout\n");
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace di
