// Reliability scenario 6 (issue 8): bad input against the real processes.
//
// - Malformed or unknown queue messages (invalid JSON, a JSON array, missing
//   fields, wrong types, unknown run, negative / inverted price range, huge
//   values, another message kind, hostile text) put on the PostgreSQL queue
//   while a real `diamond-ingest work` and `diamond-ingest consolidate` run:
//   each is dead-lettered byte-exact with a reason naming the problem, both
//   processes stay up, and a good run queued behind them completes
//   (raw == the simulator's truth, diamonds consolidated).
// - Invalid configuration: the binary exits 2 with one stderr line naming the
//   variable (and never echoing a secret value).
// - Bad offers (nivoda-sim --bad-offer-fraction: items without price or
//   diamond.id): each is recorded in raw_offer_failures with its reason and
//   exact bytes, and every other offer of its page is stored.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "common/sha256.h"
#include "pipeline_fixture.h"
#include "process.h"
#include "queue/messages.h"
#include "sim/item_content.h"
#include "sim/item_writer.h"

namespace di::testing {
namespace {

// Environment of a fast pipeline process on P's database and simulator.
std::vector<std::string> FastEnv(Pipeline& p, const std::string& data_dir) {
  return ProcessEnv(p.db.url(), p.sim->endpoint(),
                    {"LOG_LEVEL=info", "DI_DATA_DIR=" + data_dir, "NIVODA_RATE_LIMIT=500", "RETRY_BASE_MS=50",
                     "RETRY_CAP_MS=500", "QUEUE_LEASE_SECONDS=10", "QUEUE_RETRY_DELAY_SECONDS=1",
                     "CONSOLIDATION_DELAY_SECONDS=1", "WORKER_PARTITIONS=4", "WORKER_REQUESTS_IN_FLIGHT=16"});
}

// Starts `diamond-ingest COMMAND` with ENV, stdout and stderr into LOG; returns the PID.
pid_t Spawn(const std::string& command, const std::vector<std::string>& env, const std::string& log) {
  return SpawnProcess({DiamondIngestBin(), command}, env, log, LogMode::kTruncate);
}

bool Alive(pid_t pid) {
  int st = 0;
  return waitpid(pid, &st, WNOHANG) == 0;
}

// SIGTERM, then the exit code (-1 after a SIGKILL at 20 s).
int Stop(pid_t pid) { return StopProcess(pid, std::chrono::seconds(20)); }

int64_t Count(Pipeline& p, const std::string& sql, const std::string& arg = "") {
  auto conn = p.db.Connect();
  auto r = arg.empty() ? conn->Exec(sql) : conn->Exec(sql, {pg::P(arg)});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() && r->rows() == 1 && !r->IsNull(0, 0) ? r->GetInt64(0, 0) : -1;
}

struct BadMessage {
  std::string what;  // for the report
  std::string queue;
  std::string body;
  std::string reason;       // dead-letter reason
  std::string description;  // substring of the dead-letter description
};

std::string Item(const std::string& fields) {
  return "{\"runId\":\"no-such-run\",\"partitionId\":0,\"feed\":\"natural\",\"priceMin\":0,\"priceMax\":100,"
         "\"updatedTo\":\"2026-01-01T00:00:00Z\"" +
         fields + "}";
}

std::vector<BadMessage> BadMessages() {
  const std::string w = queue::kWorkItems, c = queue::kConsolidate, m = "MalformedWorkItem";
  const std::string mc = "MalformedConsolidateMessage";
  const std::string hostile = "'); DROP TABLE diamonds; -- \\\"\\\\ \\t\\n caf\\u00e9";
  std::string huge_id(200000, 'r');
  return {
      {"invalid JSON", w, "{\"runId\": \"r\", partitionId: ", m, "body is not valid JSON"},
      {"empty body", w, "", m, "body is not valid JSON"},
      {"JSON array", w, "[1,2,3]", m, "body is not a JSON object"},
      {"JSON string", w, "\"work\"", m, "body is not a JSON object"},
      {"missing fields", w, "{}", m, "missing field runId"},
      {"missing priceMin", w, "{\"runId\":\"r1\",\"partitionId\":0,\"updatedTo\":\"2026-01-01T00:00:00Z\"}", m,
       "missing field priceMin"},
      {"wrong type: partitionId string", w, Item(",\"partitionId\":\"zero\""), m, "partitionId must be an integer"},
      {"wrong type: runId number", w, Item(",\"runId\":12"), m, "runId must be a string"},
      {"wrong type: isIncremental", w, Item(",\"isIncremental\":\"no\""), m, "isIncremental must be a boolean"},
      {"bad time", w, Item(",\"updatedTo\":\"yesterday\""), m, "updatedTo is not an ISO-8601 time"},
      {"unknown feed", w, Item(",\"feed\":\"rubies\""), m, "feed must be natural or labgrown"},
      {"negative price", w, Item(",\"priceMin\":-5"), m, "priceMin must not be negative"},
      {"inverted range", w, Item(",\"priceMin\":500,\"priceMax\":100"), m, "inverted range"},
      {"huge partitionId", w, Item(",\"partitionId\":99999999999"), m, "partitionId out of range"},
      {"huge priceMin (float)", w, Item(",\"priceMin\":1e300"), m, "priceMin must be an integer"},
      {"huge priceMax (> int64)", w, Item(",\"priceMax\":18446744073709551615"), m, "priceMax is out of range"},
      {"huge runId (200 KB)", w, Item(",\"runId\":\"" + huge_id + "\""), m, "runId must have 1 to 100 characters"},
      {"hostile runId", w, Item(",\"runId\":\"" + hostile + "\""), m, "runId has a character outside"},
      {"unknown run", w, Item(""), "UnknownPartition", "no partition 0 in run no-such-run"},
      {"unknown kind (consolidate request)", w, "{\"runId\":\"r1\",\"force\":false}", m, "missing field partitionId"},
      {"consolidate: invalid JSON", c, "consolidate please", mc, "body is not valid JSON"},
      {"consolidate: array", c, "[]", mc, "body is not a JSON object"},
      {"consolidate: missing runId", c, "{\"force\":true}", mc, "missing field runId"},
      {"consolidate: wrong type", c, "{\"runId\":\"r1\",\"force\":\"yes\"}", mc, "force must be a boolean"},
      {"consolidate: hostile runId", c, "{\"runId\":\"" + hostile + "\"}", mc, "runId has a character outside"},
      {"consolidate: unknown run", c, "{\"runId\":\"no-such-run\"}", "UnknownRun", "no-such-run"},
      {"consolidate: unknown kind (work item)", c, Item(",\"runId\":\"other-run\""), "UnknownRun", "other-run"},
  };
}

TEST(BadInput, MalformedQueueMessagesAreDeadLetteredAndAGoodRunStillCompletes) {
  Pipeline p({"--natural", "3000", "--labgrown", "0", "--log-level", "warn"});
  test::TempDir dir;
  auto env = FastEnv(p, dir.path());
  pid_t work = Spawn("work", env, dir.path() + "/work.log");
  pid_t cons = Spawn("consolidate", env, dir.path() + "/consolidate.log");
  auto bad = BadMessages();
  for (const auto& b : bad) ASSERT_TRUE(p.components.queue->Send({b.queue, b.body, std::nullopt, std::nullopt}).ok());
  std::string run = p.ScheduleFull(4);  // queued behind the bad messages
  ASSERT_FALSE(run.empty());
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline &&
         (p.RunStatus(run) != "completed" ||
          Count(p, "SELECT count(*) FROM queue_dead_letters") < static_cast<int64_t>(bad.size()))) {
    if (!Alive(work) || !Alive(cons)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(Alive(work)) << ReadFile(dir.path() + "/work.log");
  EXPECT_TRUE(Alive(cons)) << ReadFile(dir.path() + "/consolidate.log");
  EXPECT_EQ(p.RunStatus(run), "completed");

  // Each bad message: dead-lettered once, body byte-exact, reason names the problem.
  auto conn = p.db.Connect();
  int found = 0;
  for (const auto& b : bad) {
    auto r =
        conn->Exec("SELECT reason, coalesce(description, '') FROM queue_dead_letters WHERE queue = $1 AND body = $2",
                   {pg::P(b.queue), pg::P(b.body)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->rows(), 1) << b.what;
    if (r->rows() != 1) continue;
    EXPECT_EQ(r->GetString(0, 0), b.reason) << b.what;
    EXPECT_NE(r->GetString(0, 1).find(b.description), std::string::npos)
        << b.what << ": description '" << r->GetString(0, 1) << "' lacks '" << b.description << "'";
    ++found;
  }
  EXPECT_EQ(Count(p, "SELECT count(*) FROM queue_dead_letters"), static_cast<int64_t>(bad.size()));
  EXPECT_EQ(p.Pending(queue::kWorkItems), 0);
  EXPECT_EQ(p.Pending(queue::kConsolidate), 0);

  // The good run behind them: raw equals the simulator, every stone consolidated.
  auto raw = p.RawOfRun(run);
  auto truth = p.SimTruth();
  EXPECT_EQ(raw.size(), truth.size());
  EXPECT_TRUE(raw == truth) << "missing or stale: " << DescribeDifference(truth, raw);
  EXPECT_EQ(Count(p, "SELECT count(*) FROM diamonds WHERE status = 'active'"), static_cast<int64_t>(truth.size()));
  EXPECT_EQ(Stop(work), 0);
  EXPECT_EQ(Stop(cons), 0);
  std::printf(
      "[figures] bad messages: %zu sent, %d dead-lettered with the expected reason; processes alive: "
      "work+consolidate; good run: %zu/%zu stones stored, status %s, %.1f s\n",
      bad.size(), found, raw.size(), truth.size(), p.RunStatus(run).c_str(), seconds);
}

struct BadConfig {
  std::string variable;  // named on stderr
  std::vector<std::string> env;
  std::vector<std::string> flags;
  std::string secret;  // must not appear on stderr (empty: none)
};

TEST(BadInput, InvalidConfigurationExits2NamingTheVariable) {
  test::TempDir dir;
  const std::vector<BadConfig> table = {
      {"PAGE_SIZE", {"PAGE_SIZE=fifty"}, {}, ""},                                       // non-numeric
      {"PAGE_SIZE", {"PAGE_SIZE=51"}, {}, ""},                                          // out of range
      {"PAGE_SIZE", {}, {"--page-size", "0"}, ""},                                      // flag, out of range
      {"NIVODA_RATE_LIMIT", {"NIVODA_RATE_LIMIT=-3"}, {}, ""},                          // out of range
      {"WORKER_PARTITIONS", {"WORKER_PARTITIONS=1e3"}, {}, ""},                         // not an int
      {"NIVODA_TIMEOUT_SECONDS", {"NIVODA_TIMEOUT_SECONDS=5 fortnights"}, {}, ""},      // bad duration
      {"NIVODA_ENDPOINT", {"NIVODA_ENDPOINT=ftp://nivoda.example/api"}, {}, ""},        // bad URL scheme
      {"NIVODA_ENDPOINT", {"NIVODA_ENDPOINT=not a url"}, {}, ""},                       // bad URL
      {"RESEND_BASE_URL", {"RESEND_BASE_URL=https://user:pw@api.resend.com"}, {}, ""},  // user info
      {"FEED", {"FEED=rubies"}, {}, ""},                                                // bad enum
      {"LOG_LEVEL", {"LOG_LEVEL=loud"}, {}, ""},                                        // bad enum
      {"NIVODA_INSECURE_TLS", {"NIVODA_INSECURE_TLS=maybe"}, {}, ""},                   // bad bool
      {"METRICS_ADDR", {"METRICS_ADDR=localhost"}, {}, ""},                             // no port
      {"ALERT_EMAIL_TO", {"ALERT_EMAIL_TO=not-an-email"}, {}, ""},                      // bad email
      {"RETRY_CAP_MS", {"RETRY_BASE_MS=5000", "RETRY_CAP_MS=100"}, {}, ""},             // cross-setting rule
      {"DATABASE_URL", {"DATABASE_URL=mysql://u:Pw-Marker-7731@db.example/x"}, {}, "Pw-Marker-7731"},
      {"AZURE_STORAGE_CONNECTION_STRING",
       {"AZURE_STORAGE_CONNECTION_STRING=AccountName=a;AccountKey=QWNjb3VudEtleU1hcmtlcjk5MjE=;BlobEndpoint=ftp://h/x"},
       {},
       "QWNjb3VudEtleU1hcmtlcjk5MjE="},  // bad endpoint
      {"AZURE_SERVICE_BUS_CONNECTION_STRING",
       {"AZURE_SERVICE_BUS_CONNECTION_STRING=Endpoint=http://x/"
        ";SharedAccessKeyName=k;SharedAccessKey=U2FzTWFya2VyMzM4OA=="},
       {},
       "U2FzTWFya2VyMzM4OA=="},                                                         // not sb://
      {"RESEND_API_KEY", {"RESEND_API_KEY=re_KeyMarker5512"}, {}, "re_KeyMarker5512"},  // needs ALERT_EMAIL_*
  };
  int ok = 0;
  for (const auto& c : table) {
    // An unreachable database (never an embedded one) and a time limit: a
    // case wrongly accepted fails fast instead of starting a worker.
    std::vector<std::string> env = {"PATH=/usr/bin:/bin", "DI_DATA_DIR=" + dir.path(),
                                    "DATABASE_URL=postgresql://postgres@127.0.0.1:1/x"};
    for (const auto& e : c.env) {
      if (e.rfind("DATABASE_URL=", 0) == 0) env.erase(env.begin() + 2);
      env.push_back(e);
    }
    std::vector<std::string> argv = {"/usr/bin/timeout", "10", DiamondIngestBin()};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    argv.push_back("work");
    auto r = test::RunProcess(argv, env, dir.path());
    std::string what = c.env.empty() ? c.flags[0] : c.env.back();
    EXPECT_EQ(r.exit_code, 2) << what << ": " << r.err;
    EXPECT_NE(r.err.find(c.variable), std::string::npos)
        << what << ": stderr does not name " << c.variable << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << ": " << r.err;
    if (!c.secret.empty()) {
      EXPECT_EQ((r.out + r.err).find(c.secret), std::string::npos) << what << " echoed its secret: " << r.err;
    }
    if (r.exit_code == 2 && r.err.find(c.variable) != std::string::npos) ++ok;
  }
  EXPECT_EQ(ok, static_cast<int>(table.size()));
  std::printf("[figures] invalid configuration: %zu cases, %d exited 2 naming the variable\n", table.size(), ok);
}

TEST(BadInput, BadOffersAreRecordedAsFailuresAndTheRestOfTheirPagesStored) {
  const int kOffers = 3000;
  Pipeline p(
      {"--natural", std::to_string(kOffers), "--labgrown", "0", "--bad-offer-fraction", "0.01", "--log-level", "warn"});
  // Which stones the simulator serves bad (fixed per stone; seed 1).
  sim::ItemContent content{0.01, 0};
  std::map<std::string, sim::StoneContent> bad_stones;
  for (uint32_t s = 0; s < kOffers; ++s) {
    auto kind = sim::ContentOf(1, s, content);
    if (kind != sim::StoneContent::kNormal) bad_stones[sim::StoneId(1, s)] = kind;
  }
  ASSERT_GT(bad_stones.size(), 10u);
  test::TempDir dir;
  std::string run = p.ScheduleFull(4);
  ASSERT_FALSE(run.empty());
  auto start = std::chrono::steady_clock::now();
  pid_t work = Spawn("work", FastEnv(p, dir.path()), dir.path() + "/work.log");
  auto deadline = start + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && p.Pending(queue::kConsolidate) == 0 &&
         p.RunStatus(run) != "failed" && Alive(work)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(Alive(work)) << ReadFile(dir.path() + "/work.log");
  EXPECT_EQ(Stop(work), 0);
  EXPECT_GT(p.Pending(queue::kConsolidate), 0) << "run " << p.RunStatus(run) << " did not reach consolidation";
  auto conn = p.db.Connect();
  EXPECT_EQ(Count(p, "SELECT count(*) FROM partition_runs WHERE run_id = $1 AND status <> 'completed'", run), 0);

  // Every good stone stored exactly as served; no bad one.
  auto dump = p.sim->Dump("natural");
  ASSERT_TRUE(dump.ok());
  std::map<std::string, std::string> good_truth;
  std::map<std::string, std::string> bad_hash_to_stone;  // payload sha256 of each bad item -> stone id
  for (const auto& row : *dump) {
    if (bad_stones.count(row.stone_id))
      bad_hash_to_stone[row.payload_sha256] = row.stone_id;
    else
      good_truth[row.stone_id] = row.payload_sha256;
  }
  EXPECT_EQ(bad_hash_to_stone.size(), bad_stones.size());
  auto raw = p.RawOfRun(run);
  EXPECT_TRUE(raw == good_truth) << "missing or stale: " << DescribeDifference(good_truth, raw)
                                 << "; extra: " << DescribeDifference(raw, good_truth);

  // Every bad stone recorded in raw_offer_failures with its reason and its exact bytes.
  auto failures = conn->Exec("SELECT reason, raw FROM raw_offer_failures WHERE run_id = $1", {pg::P(run)});
  ASSERT_TRUE(failures.ok()) << failures.status().ToString();
  std::set<std::string> recorded;
  int unexpected = 0;
  for (int i = 0; i < failures->rows(); ++i) {
    std::string reason = failures->GetString(i, 0);
    auto it = bad_hash_to_stone.find(Sha256Hex(failures->GetString(i, 1)));
    if (it == bad_hash_to_stone.end()) {
      ++unexpected;
      ADD_FAILURE() << "failure row not of a bad stone: " << reason << " " << failures->GetString(i, 1).substr(0, 200);
      continue;
    }
    std::string expected =
        bad_stones[it->second] == sim::StoneContent::kNoPrice ? "missing price" : "missing diamond.id";
    EXPECT_EQ(reason, expected) << it->second;
    recorded.insert(it->second);
  }
  EXPECT_EQ(recorded.size(), bad_stones.size());
  EXPECT_EQ(unexpected, 0);
  std::printf(
      "[figures] bad offers: %zu of %d served without price/diamond.id; %zu recorded in raw_offer_failures "
      "(%d rows incl. re-fetches), %zu/%zu good stones stored byte-exact, partitions completed, %.1f s\n",
      bad_stones.size(), kOffers, recorded.size(), failures->rows(), raw.size(), good_truth.size(), seconds);
}

}  // namespace
}  // namespace di::testing
