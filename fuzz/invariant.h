// Reporting a broken invariant from a fuzz target. By default the report goes
// to stderr and the process aborts (libFuzzer then saves the input as a crash);
// the regression test installs a handler that records a test failure instead.
// The handler is process-wide: set it before any target runs.
#pragma once

#include <string>

namespace di::fuzz {

using InvariantHandler = void (*)(const char* target, const std::string& what);

// Replaces the handler (nullptr restores print-and-abort).
void SetInvariantHandler(InvariantHandler handler);

// Reports that TARGET broke the invariant WHAT.
void Violated(const char* target, const std::string& what);

}  // namespace di::fuzz

// Checks COND; on failure reports "WHAT (COND)" for TARGET and returns 0 from
// the calling target function.
#define DI_FUZZ_CHECK(target, cond, what)                               \
  do {                                                                  \
    if (!(cond)) {                                                      \
      ::di::fuzz::Violated(target, std::string(what) + " (" #cond ")"); \
      return 0;                                                         \
    }                                                                   \
  } while (0)
