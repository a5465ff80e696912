// Shutdown signals for long-running roles: the first SIGTERM/SIGINT sets the
// stop flag and runs ON_STOP (e.g. cancel in-flight calls); a second one exits
// the process at once (status 130). Install once, on the main thread, before
// starting other threads.
#pragma once

#include <atomic>
#include <functional>

namespace di {

void InstallShutdownSignals(std::atomic<bool>* stop, std::function<void()> on_stop);

}  // namespace di
