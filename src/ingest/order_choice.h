// OrderChoice: the order a worker process pages in. Paging is exact only in an
// order that keeps every stone's relative place between calls (a stable
// order); the vendor's documentation promises none, so the worker tries the
// candidates (`insert`, then no order at all) and keeps the first the vendor
// accepts and shows stable: a probe reads one page twice, and the pages' own
// overlaps keep checking it (PageChain's kUnstable). Thread-safe; shared by
// the partitions of a process.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ingest/page_chain.h"
#include "nivoda/diamond_query.h"

namespace di::ingest {

enum class ProbeVerdict { kStable, kUnstable, kInconclusive };

// Two reads of the same page (offset 0) of one query. Stable: same count and
// the same stones in the places both hold (at least two; a short page holds
// fewer); unstable: same count, other stones there; inconclusive: the set
// changed in between, or fewer than two places to compare.
ProbeVerdict CompareProbe(const PageView& first, const PageView& second);

// "insert ASC" / "none".
std::string OrderName(const nivoda::Order& order);

class OrderChoice {
 public:
  // CANDIDATES in order of preference; default: insert ASC, then none.
  OrderChoice();
  explicit OrderChoice(std::vector<nivoda::Order> candidates);

  // The first candidate not ruled out, or nullopt when every one was.
  std::optional<nivoda::Order> Current() const;
  // The candidates not ruled out, in order of preference.
  std::vector<nivoda::Order> Remaining() const;
  // True once a probe of the current candidate came out stable.
  bool Confirmed() const;
  void Confirm(const nivoda::Order& order, const std::string& evidence);
  // Rules ORDER out for this process.
  void RuleOut(const nivoda::Order& order, const std::string& reason);
  // What was chosen and why, for the log and errors.
  std::string Summary() const;

  // Held while one partition probes, so the others wait for its verdict.
  std::mutex& probe_mutex() { return probe_mu_; }

 private:
  mutable std::mutex mu_;
  std::mutex probe_mu_;
  std::vector<nivoda::Order> candidates_;
  std::vector<bool> out_;  // ruled out, by candidate
  std::string confirmed_;  // name of the confirmed order, if any
  std::vector<std::string> history_;
};

}  // namespace di::ingest
