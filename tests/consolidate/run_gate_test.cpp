// The consolidation gate (consolidate/run_gate.h) as a table: a run's state and
// the request's force flag beside the verdict, its effects (soft delete,
// watermark advance) and a phrase its reason must hold. One row per branch of
// DecideConsolidation and per boundary: unknown run; completed (checked before
// anything else); partitions in progress (0 vs 1, forced or not, with failures);
// failed partitions (0 vs 1) with and without force; a run marked failed; and
// every kind of run that proceeds (full or incremental, forced or not, with or
// without failed partitions, running / consolidating / failed, no partition).
#include "consolidate/run_gate.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace di::consolidate {
namespace {

// The gate's verdict: no outcome (proceed), or the outcome the request ends with.
using Verdict = std::optional<ConsolidationOutcome>;
constexpr Verdict kProceed = std::nullopt;
constexpr Verdict kDuplicate = ConsolidationOutcome::kAlreadyCompleted;
constexpr Verdict kNotReady = ConsolidationOutcome::kNotReady;
constexpr Verdict kRefused = ConsolidationOutcome::kRefused;
constexpr Verdict kUnknown = ConsolidationOutcome::kUnknownRun;

struct Row {
  const char* what;
  const char* run_type;  // nullptr: no such run (then the other state is ignored)
  const char* status;
  int64_t partitions;
  int64_t in_progress;
  int64_t failed;
  bool force;
  Verdict verdict;
  bool soft_delete;
  bool advance_watermark;
  const char* reason_has;  // a phrase of the one-line reason
};

constexpr bool F = false;
constexpr bool T = true;
constexpr const char* kFull = "full";
constexpr const char* kIncr = "incremental";
constexpr const char* kRun = "running";
constexpr const char* kCons = "consolidating";
constexpr const char* kDone = "completed";
constexpr const char* kFail = "failed";

// Columns: what | run_type status partitions in_progress failed | force | verdict | soft_delete
// advance_watermark | a phrase of the reason.
// clang-format off
constexpr Row kTable[] = {
  {"unknown run",                       nullptr, nullptr,  0,  0,  0, F, kUnknown,   F, F, "no run r1 in run_metadata"},
  {"unknown run, forced",               nullptr, nullptr,  0,  0,  0, T, kUnknown,   F, F, "no run r1"},
  {"completed: a duplicate",            kFull,   kDone,   10,  0,  0, F, kDuplicate, F, F, "already consolidated"},
  {"completed, forced: a duplicate",    kFull,   kDone,   10,  0,  2, T, kDuplicate, F, F, "already consolidated"},
  {"completed wins over in progress",   kIncr,   kDone,   10,  1,  0, F, kDuplicate, F, F, "already consolidated"},
  {"one partition in progress",         kFull,   kRun,    10,  1,  0, F, kNotReady,  F, F, "0 failed, 1 in progress"},
  {"in progress, forced",               kFull,   kRun,    10,  1,  2, T, kNotReady,  F, F, "2 failed, 1 in progress"},
  {"in progress wins over failures",    kFull,   kRun,    10,  3,  2, F, kNotReady,  F, F, "pending or running"},
  {"in progress, consolidating",        kIncr,   kCons,   10,  1,  0, F, kNotReady,  F, F, "pending or running"},
  {"one failed partition",              kFull,   kRun,    10,  0,  1, F, kRefused,   F, F, "(1 failed, 0 in progress"},
  {"failures, consolidating",           kIncr,   kCons,   10,  0,  2, F, kRefused,   F, F, "not forced"},
  {"run marked failed",                 kIncr,   kFail,   10,  0,  0, F, kRefused,   F, F, "is marked failed"},
  {"marked failed, failures",           kFull,   kFail,   10,  0,  3, F, kRefused,   F, F, "(3 failed"},
  {"full, all completed",               kFull,   kRun,    10,  0,  0, F, kProceed,   T, T, "full run, 0 failed"},
  {"full, consolidating (redelivered)", kFull,   kCons,   10,  0,  0, F, kProceed,   T, T, "full run"},
  {"full, one partition",               kFull,   kRun,     1,  0,  0, F, kProceed,   T, T, "of 1 partitions"},
  {"full, no partition",                kFull,   kRun,     0,  0,  0, F, kProceed,   T, T, "of 0 partitions"},
  {"incremental: never deletes",        kIncr,   kRun,     3,  0,  0, F, kProceed,   F, T, "incremental run"},
  {"full, forced, clean",               kFull,   kRun,    10,  0,  0, T, kProceed,   F, T, "forced full run"},
  {"full, forced, one failed",          kFull,   kRun,    10,  0,  1, T, kProceed,   F, F, "forced full run, 1 failed"},
  {"incremental, forced, failures",     kIncr,   kCons,   10,  0,  2, T, kProceed,   F, F, "forced incremental"},
  {"marked failed, forced",             kIncr,   kFail,   10,  0,  0, T, kProceed,   F, T, "forced incremental"},
  {"full, marked failed, forced",       kFull,   kFail,   10,  0, 10, T, kProceed,   F, F, "10 failed"},
};
// clang-format on

// Verdicts by name, so a failing row reads "refused" vs "proceed".
std::string Name(Verdict v) { return v ? ConsolidationOutcomeName(*v) : "proceed"; }

std::optional<RunState> StateOf(const Row& row) {
  if (row.run_type == nullptr) return std::nullopt;
  RunState r;
  r.run_id = "r1";
  r.feed = "natural";
  r.run_type = row.run_type;
  r.status = row.status;
  r.partitions = row.partitions;
  r.in_progress = row.in_progress;
  r.failed = row.failed;
  return r;
}

TEST(RunGate, DecisionTable) {
  for (const Row& row : kTable) {
    SCOPED_TRACE(row.what);
    GateDecision d = DecideConsolidation(StateOf(row), "r1", row.force);
    EXPECT_EQ(Name(d.outcome), Name(row.verdict));
    EXPECT_EQ(d.soft_delete, row.soft_delete) << "soft_delete";
    EXPECT_EQ(d.advance_watermark, row.advance_watermark) << "advance_watermark";
    EXPECT_NE(d.reason.find(row.reason_has), std::string::npos) << "reason: " << d.reason;
    EXPECT_EQ(d.reason.find('\n'), std::string::npos) << "one line";
  }
}

// Every verdict appears in the table, so none of them is untested.
TEST(RunGate, TableCoversEveryVerdict) {
  for (Verdict v : {kProceed, kDuplicate, kNotReady, kRefused, kUnknown}) {
    bool found = false;
    for (const Row& row : kTable) found = found || row.verdict == v;
    EXPECT_TRUE(found) << Name(v);
  }
}

}  // namespace
}  // namespace di::consolidate
