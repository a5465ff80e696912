#include "cloud/alert_sink.h"

#include "common/log.h"

namespace di::cloud {

void LogAlertSink::Send(const Alert& alert) {
  log::Error("[diamond-ingest] " + alert.subject,
             {{"alert", alert.kind}, {"run_id", alert.run_id}, {"body", alert.body}});
  ++sent_;
}

}  // namespace di::cloud
