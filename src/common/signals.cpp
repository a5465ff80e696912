#include "common/signals.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/log.h"

namespace di {

void InstallShutdownSignals(std::atomic<bool>* stop, std::function<void()> on_stop) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // inherited by every thread started later
  std::thread([set, stop, on_stop = std::move(on_stop)] {
    int sig = 0;
    sigwait(&set, &sig);
    log::Info("shutdown requested: finishing in-flight work (send the signal again to exit at once)",
              {{"signal", sig}});
    *stop = true;
    if (on_stop) on_stop();
    sigwait(&set, &sig);
    log::Warn("second signal: exiting now", {{"signal", sig}});
    _exit(130);
  }).detach();
}

void SleepUnlessStopped(Millis duration, const std::atomic<bool>& stop) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!stop && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(100), until - std::chrono::steady_clock::now()));
  }
}

}  // namespace di
