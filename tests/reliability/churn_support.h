// Helpers shared by three reliability scenarios of issue 8 (vendor faults,
// inventory churn, rate limit): soak/short selection, a real `diamond-ingest
// work` process whose JSON log goes to a file, the verification rounds read
// back from those logs, consolidation through the real Consolidator, and
// small SQL and reporting helpers. Builds on the worker tests' Pipeline and
// on reliability_support.h (soak mode, log directories, the process launcher).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "pipeline_fixture.h"
#include "reliability_support.h"

namespace di::testing {

// DI_SOAK=1 selects the long versions; the scenarios' logs go under the build tree.
using reliability::ScenarioDir;
using reliability::SoakMode;
// SHORT or SOAK by SoakMode().
inline int64_t Sized(int64_t short_value, int64_t soak_value) { return SoakMode() ? soak_value : short_value; }

// The first column of the first row of SQL (with ARGS) as an integer; -1 when
// there is no row or it is NULL.
int64_t QueryInt(Pipeline& p, const std::string& sql, const std::vector<std::string>& args = {});
// The first column of every row of SQL (with ARGS).
std::set<std::string> QuerySet(Pipeline& p, const std::string& sql, const std::vector<std::string>& args = {});

// Replaces the in-process client (the scheduler's) by one with ATTEMPTS
// attempts per request and TIMEOUT, so scheduling survives injected faults.
void UseSturdyClient(Pipeline& p, int attempts, Millis timeout);

// A real `diamond-ingest work` process on P's database and simulator with ENV
// ("NAME=value", taking precedence over ProcessEnv's defaults and info-level
// logs), its stdout and stderr appended to LOG_PATH.
// The destructor stops it (SIGTERM, then SIGKILL after 30 s) by its PID.
class WorkerProcess {
 public:
  WorkerProcess(Pipeline& p, const std::vector<std::string>& env, std::string log_path);
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // SIGTERM and wait; returns the exit code (-1: a signal, or already stopped).
  int Stop();
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

// Waits until RUN's consolidation message is queued (true), or the run failed
// or TIMEOUT passed (false).
bool WaitForConsolidationMessage(Pipeline& p, const std::string& run, Millis timeout);

// For a failure message: the work items still queued (delivery counts, lease
// state) and every session on the test database (application_name names the
// diamond-ingest command and PID), to tell who holds a lease.
std::string DescribeQueueAndSessions(Pipeline& p);

// Verification rounds per partition of RUN, from the workers' "partition
// fetched" log lines (the sweep, partition -1, included).
// What the workers' "partition fetched" log lines of RUN say: pages read,
// bridge pages (gaps closed, short pages filled), probe reads, restarts (an
// order proved unstable), and the run's catch-up (the sweep).
struct FetchRounds {
  int partitions = 0;  // lines found (a partition fetched twice counts twice)
  int64_t pages = 0;
  int64_t bridges = 0;
  int64_t probes = 0;
  int64_t restarts = 0;
  int64_t catch_up_pages = 0;
  int64_t catch_up_offers = 0;
  std::set<std::string> orders;
};
FetchRounds ReadFetchRounds(const std::vector<std::string>& log_paths, const std::string& run);
std::string Describe(const FetchRounds& rounds);

// The workers' retried Nivoda calls by error code ("unavailable", "corrupt",
// "rate_limited", ...), from their "nivoda call failed, retrying" log lines.
std::map<std::string, int64_t> RetriesByCode(const std::vector<std::string>& log_paths);
std::string Describe(const std::map<std::string, int64_t>& counts);

// "500=12 502=9 ..." of the simulator's injected faults, plus requests and 429s.
std::string DescribeFaults(const SimCounters& counters);

// Stone ids of a dump.
std::set<std::string> StoneIds(const std::vector<SimDumpRow>& dump);

}  // namespace di::testing
