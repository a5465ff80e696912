// Shutdown signals for long-running roles: the first SIGTERM/SIGINT sets the
// stop flag and runs ON_STOP (e.g. cancel in-flight calls); a second one exits
// the process at once (status 130). Install once, on the main thread, before
// starting other threads.
#pragma once

#include <atomic>
#include <functional>

#include "common/clock.h"

namespace di {

void InstallShutdownSignals(std::atomic<bool>* stop, std::function<void()> on_stop);

// Sleeps for DURATION, or less when STOP becomes true (checked every 100 ms).
void SleepUnlessStopped(Millis duration, const std::atomic<bool>& stop);

}  // namespace di
