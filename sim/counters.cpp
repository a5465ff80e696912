#include "sim/counters.h"

#include <algorithm>

#include "sim/json_writer.h"

namespace di::sim {

int64_t Counters::Arrived(int64_t now_ms) {
  std::lock_guard lock(mu_);
  ++requests_;
  window_.push_back(now_ms);
  while (!window_.empty() && window_.front() <= now_ms - 1000) window_.pop_front();
  peak_per_second_ = std::max<int64_t>(peak_per_second_, static_cast<int64_t>(window_.size()));
  ++in_flight_;
  peak_concurrent_ = std::max(peak_concurrent_, in_flight_);
  return in_flight_;
}

void Counters::Finished() {
  std::lock_guard lock(mu_);
  --in_flight_;
}

void Counters::Operation(const std::string& name, int64_t n) {
  std::lock_guard lock(mu_);
  by_operation_[name] += n;
}

void Counters::Injected(const std::string& fault_name) {
  std::lock_guard lock(mu_);
  injected_[fault_name] += 1;
}

void Counters::Churned(int64_t reprice, int64_t payload, int64_t add, int64_t remove) {
  std::lock_guard lock(mu_);
  churn_[0] += reprice;
  churn_[1] += payload;
  churn_[2] += add;
  churn_[3] += remove;
}

void Counters::Reset() {
  std::lock_guard lock(mu_);
  by_operation_.clear();
  injected_.clear();
  window_.clear();
  requests_ = 0;
  peak_per_second_ = 0;
  peak_concurrent_ = in_flight_;
  rate_limited_ = 0;
  for (auto& c : churn_) c = 0;
}

std::string Counters::ToJson() const {
  std::lock_guard lock(mu_);
  std::string out = "{";
  auto map_json = [&](const char* key, const std::map<std::string, int64_t>& m) {
    json::Key(&out, key);
    out.push_back('{');
    bool first = true;
    int64_t total = 0;
    for (const auto& [name, n] : m) {
      if (!first) out.push_back(',');
      first = false;
      json::String(&out, name);
      out.push_back(':');
      json::Int(&out, n);
      total += n;
    }
    out.push_back('}');
    return total;
  };
  json::Key(&out, "requests");
  json::Int(&out, requests_);
  out.push_back(',');
  map_json("requests_by_operation", by_operation_);
  out.push_back(',');
  json::Key(&out, "in_flight");
  json::Int(&out, in_flight_);
  out.push_back(',');
  json::Key(&out, "peak_concurrent");
  json::Int(&out, peak_concurrent_);
  out.push_back(',');
  json::Key(&out, "peak_requests_per_second");
  json::Int(&out, peak_per_second_);
  out.push_back(',');
  json::Key(&out, "rate_limited");
  json::Int(&out, rate_limited_.load());
  out.push_back(',');
  int64_t injected_total = map_json("errors_injected_by_kind", injected_);
  out.push_back(',');
  json::Key(&out, "errors_injected");
  json::Int(&out, injected_total);
  out.push_back(',');
  json::Key(&out, "churn");
  out.append("{\"reprice\":");
  json::Int(&out, churn_[0]);
  out.append(",\"payload\":");
  json::Int(&out, churn_[1]);
  out.append(",\"add\":");
  json::Int(&out, churn_[2]);
  out.append(",\"remove\":");
  json::Int(&out, churn_[3]);
  out.append("}}");
  return out;
}

}  // namespace di::sim
