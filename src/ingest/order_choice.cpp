#include "ingest/order_choice.h"

#include <algorithm>

#include "common/log.h"

namespace di::ingest {

ProbeVerdict CompareProbe(const PageView& first, const PageView& second) {
  if (first.count != second.count || first.offset != second.offset) return ProbeVerdict::kInconclusive;
  // A short page is a prefix of the full one: compare the places both hold.
  const size_t n = std::min(first.ids.size(), second.ids.size());
  if (!std::equal(first.ids.begin(), first.ids.begin() + static_cast<std::ptrdiff_t>(n), second.ids.begin())) {
    return ProbeVerdict::kUnstable;
  }
  return n >= 2 ? ProbeVerdict::kStable : ProbeVerdict::kInconclusive;
}

std::string OrderName(const nivoda::Order& order) {
  if (order.type == "none") return "none";
  return order.type + " " + nivoda::DirectionName(order.direction);
}

OrderChoice::OrderChoice() : OrderChoice({{"insert", nivoda::Direction::kAsc}, {"none", nivoda::Direction::kAsc}}) {}

OrderChoice::OrderChoice(std::vector<nivoda::Order> candidates)
    : candidates_(std::move(candidates)), out_(candidates_.size(), false) {}

std::optional<nivoda::Order> OrderChoice::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < candidates_.size(); ++i) {
    if (!out_[i]) return candidates_[i];
  }
  return std::nullopt;
}

std::vector<nivoda::Order> OrderChoice::Remaining() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<nivoda::Order> out;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    if (!out_[i]) out.push_back(candidates_[i]);
  }
  return out;
}

bool OrderChoice::Confirmed() const {
  std::optional<nivoda::Order> current = Current();
  std::lock_guard<std::mutex> lock(mu_);
  return current && confirmed_ == OrderName(*current);
}

void OrderChoice::Confirm(const nivoda::Order& order, const std::string& evidence) {
  std::lock_guard<std::mutex> lock(mu_);
  if (confirmed_ == OrderName(order)) return;
  confirmed_ = OrderName(order);
  history_.push_back(OrderName(order) + ": stable (" + evidence + ")");
  log::Info("paging order chosen", {{"order", OrderName(order)}, {"evidence", evidence}});
}

void OrderChoice::RuleOut(const nivoda::Order& order, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < candidates_.size(); ++i) {
    if (out_[i] || OrderName(candidates_[i]) != OrderName(order)) continue;
    out_[i] = true;
    if (confirmed_ == OrderName(order)) confirmed_.clear();
    history_.push_back(OrderName(order) + ": ruled out (" + reason + ")");
    log::Warn("paging order ruled out", {{"order", OrderName(order)}, {"reason", reason}});
  }
}

std::string OrderChoice::Summary() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& h : history_) out += (out.empty() ? "" : "; ") + h;
  return out.empty() ? "no order probed yet" : out;
}

}  // namespace di::ingest
