#include "plan/tail_counts.h"

#include <algorithm>
#include <string>

namespace di::plan {

TailCounts::TailCounts(const CountBatchFn* count_batch) : count_batch_(count_batch) {}

Status TailCounts::Fetch(const std::vector<int64_t>& xs) {
  std::vector<int64_t> todo;
  for (int64_t x : xs) {
    if (x < 0) return Status(Code::kInternal, "tail query below $0: " + std::to_string(x));
    if (!Known(x)) todo.push_back(x);
  }
  std::sort(todo.begin(), todo.end());
  todo.erase(std::unique(todo.begin(), todo.end()), todo.end());
  if (todo.empty()) return Status::Ok();

  std::vector<PriceRange> ranges;
  ranges.reserve(todo.size());
  for (int64_t x : todo) ranges.push_back(PriceRange{x, std::nullopt});
  queries_ += static_cast<int>(ranges.size());
  ++rounds_;
  DI_ASSIGN_OR_RETURN(std::vector<int64_t> counts, (*count_batch_)(ranges));
  if (counts.size() != ranges.size()) {
    return Status(Code::kInternal, "count batch answered " + std::to_string(counts.size()) + " counts for " +
                                       std::to_string(ranges.size()) + " ranges");
  }
  for (size_t i = 0; i < todo.size(); ++i) {
    if (counts[i] < 0) {
      return Status(Code::kCorrupt, "negative count for price >= $" + std::to_string(todo[i]));
    }
    raw_[todo[i]] = counts[i];
  }
  Repair();
  return Status::Ok();
}

void TailCounts::Repair() {
  repaired_.clear();
  int64_t running = 0;
  for (auto it = raw_.rbegin(); it != raw_.rend(); ++it) {
    running = std::max(running, it->second);
    repaired_.emplace_hint(repaired_.begin(), it->first, running);
  }
}

int64_t TailCounts::Tail(int64_t x) const { return repaired_.at(x); }

std::vector<std::pair<int64_t, int64_t>> TailCounts::Points() const { return {repaired_.begin(), repaired_.end()}; }

}  // namespace di::plan
