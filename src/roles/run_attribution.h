// RunAttribution: told which run a worker slot works for, so that what happens
// meanwhile (e.g. the Nivoda requests ops::RequestRecorder counts) is
// attributed to that run. Implementations are thread-safe.
#pragma once

#include <string>

namespace di {

class RunAttribution {
 public:
  virtual ~RunAttribution() = default;
  // Every EnterRun is matched by exactly one LeaveRun of the same run.
  virtual void EnterRun(const std::string& run_id) = 0;
  virtual void LeaveRun(const std::string& run_id) = 0;
};

}  // namespace di
