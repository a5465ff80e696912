#include "ops/run_summary.h"

#include "ops/status.h"

namespace di {
namespace {

std::string Format(const char* format, auto... args) {
  char line[256];
  std::snprintf(line, sizeof line, format, args...);
  return line;
}

long long LL(int64_t v) { return static_cast<long long>(v); }

}  // namespace

std::string RenderRunSummary(const store::RunRow& run, const RunTimings& t) {
  const store::ConsolidationStats& s = run.consolidation;
  std::string out = "\nrun " + run.run_id + " (" + run.run_type + "): " + run.status + "\n";
  out += Format("  partitions   %d completed, %d failed, of %d\n", run.completed_partitions, run.failed_partitions,
                run.expected_partitions);
  out += Format("  offers       %lld stored: %lld added, %lld changed, %lld unchanged, %lld deleted, %lld back\n",
                LL(run.offers_stored), LL(s.inserted), LL(s.updated), LL(s.unchanged), LL(s.deleted), LL(s.undeleted));
  out += Format("  bad offers   %lld: %lld served but not storable (raw_offer_failures), %lld not mappable\n",
                LL(run.offers_unstorable + s.failed), LL(run.offers_unstorable), LL(s.failed));
  out += Format("  requests     %lld to Nivoda (%d count queries to plan)\n", LL(t.requests), t.count_queries);
  out += "  wall time    schedule " + FormatDuration(t.schedule_s) + ", fetch " + FormatDuration(t.fetch_s) +
         ", consolidate " + FormatDuration(t.consolidate_s) + ", total " +
         FormatDuration(t.schedule_s + t.fetch_s + t.consolidate_s) + "\n";
  return out;
}

Status WriteRunSummary(pg::Connection& conn, const std::string& run_id, const RunTimings& timings, std::FILE* out,
                       std::FILE* err) {
  Result<std::optional<store::RunRow>> run = store::ReadRun(conn, run_id);
  Status status = !run.ok() ? run.status() : !*run ? Status(Code::kNotFound, "no such run") : Status::Ok();
  if (!status.ok()) {
    std::fprintf(err, "no summary of run %s: %s\n", run_id.c_str(), status.ToString().c_str());
    return status;
  }
  std::fputs(RenderRunSummary(**run, timings).c_str(), out);
  return Status::Ok();
}

}  // namespace di
