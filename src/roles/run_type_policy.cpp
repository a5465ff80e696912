#include "roles/run_type_policy.h"

namespace di {

std::string DescribeAge(Millis age) {
  const int64_t s = age.count() / 1000;
  if (s < 120) return std::to_string(s) + " s";
  if (s < 2 * 3600) return std::to_string(s / 60) + " min";
  return std::to_string(s / 3600) + " h";
}

RunTypeDecision DecideRunType(const RunTypeInputs& in) {
  if (in.full_requested) return {true, "--full was given"};
  if (!in.has_watermark) return {true, "no watermark yet"};
  if (!in.last_complete_full) return {true, "the feed has no complete full run yet"};
  const Millis age = std::chrono::duration_cast<Millis>(in.now - *in.last_complete_full);
  const std::string why = "the last complete full run is " + DescribeAge(age) + " old (FULL_RUN_INTERVAL " +
                          DescribeAge(in.full_run_interval) + ")";
  return {age >= in.full_run_interval, why};
}

}  // namespace di
