// Print-and-abort by default; see invariant.h.
#include "invariant.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace di::fuzz {
namespace {
std::atomic<InvariantHandler> g_handler{nullptr};
}  // namespace

void SetInvariantHandler(InvariantHandler handler) { g_handler.store(handler); }

void Violated(const char* target, const std::string& what) {
  if (InvariantHandler handler = g_handler.load()) {
    handler(target, what);
    return;
  }
  std::fprintf(stderr, "fuzz invariant broken in %s: %s\n", target, what.c_str());
  std::abort();
}

}  // namespace di::fuzz
