// StallWatch: alerts once per run when a running run's partitions have not
// progressed for STALL_ALERT_MINUTES (the same rule as `status`). Check() is
// called periodically by a long-running role (the consolidator). Thread-safe.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "cloud/alert_sink.h"
#include "common/clock.h"
#include "store/pg.h"

namespace di {

class StallWatch {
 public:
  StallWatch(cloud::AlertSink& alerts, Millis stall_alert) : alerts_(alerts), stall_alert_(stall_alert) {}
  // Sends an alert for each newly stalled run; returns how many were sent.
  Result<int> Check(pg::Connection& conn);

 private:
  cloud::AlertSink& alerts_;
  const Millis stall_alert_;
  std::mutex mu_;
  std::set<std::string> alerted_;  // runs alerted by this process
};

}  // namespace di
