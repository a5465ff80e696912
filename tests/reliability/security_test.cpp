// Reliability scenario 7 (issue 8): security, against the real binary.
//
// - Secrets never logged: every secret setting holds a distinctive marker
//   (DATABASE_URL password, NIVODA_PASSWORD, RESEND_API_KEY, Azure AccountKey /
//   SharedAccessKey); `config`, `migrate`, `run --full`, `status`, `work` and
//   failing commands (wrong Nivoda password, unreachable database, unreachable
//   Azure endpoints, an unreachable Resend) run with LOG_LEVEL=debug; no
//   marker (nor the Nivoda tokens the simulator issued) appears in any line of
//   their stdout/stderr, and every stderr line is a JSON object.
// - The metrics/health server binds 127.0.0.1 by default (/proc/net/tcp).
// - TLS: an https endpoint with a self-signed certificate (openssl s_server) is
//   refused; NIVODA_INSECURE_TLS=true gets past it and is logged as a warning.
// - SQL only through parameters: hostile text (SQL, quotes, backslashes,
//   tab/newline/CR, UTF-8) in every text field of served offers is stored raw
//   and consolidated byte-exact; hostile queue messages are dead-lettered
//   byte-exact without SQL errors.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "pipeline_fixture.h"
#include "process.h"
#include "queue/messages.h"
#include "sim/item_content.h"
#include "sim/item_writer.h"

namespace di::testing {
namespace {

// Markers: distinctive, alphanumeric (no URL or base64 re-encoding changes them).
const std::string kDbPassword = "DbPwMarker4417";
const std::string kNivodaPassword = "NivodaPwMarker8803";
const std::string kWrongNivodaPassword = "WrongNivodaPwMarker2290";
const std::string kResendKey = "re_ResendKeyMarker6631";
// base64 of "AccountKeyMarker5150" / "SharedAccessKeyMarker7262"
const std::string kAccountKey = "QWNjb3VudEtleU1hcmtlcjUxNTA=";
const std::string kAccountKeyText = "AccountKeyMarker5150";
const std::string kSasKey = "U2hhcmVkQWNjZXNzS2V5TWFya2VyNzI2Mg==";
const std::string kSasKeyText = "SharedAccessKeyMarker7262";

std::string WithPassword(const std::string& url, const std::string& password) {
  size_t at = url.find('@');
  return url.substr(0, at) + ":" + password + url.substr(at);  // postgresql://postgres@host -> postgres:PW@host
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool Connects(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// SIGTERM, then the exit code (-1 after a SIGKILL at 20 s).
int Stop(pid_t pid) { return StopProcess(pid, std::chrono::seconds(20)); }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

// One captured command: what ran and what it printed.
struct Captured {
  std::string name;
  int exit_code;
  std::string out, err;
};

TEST(Security, NoSecretOrTokenInAnyLogLineOfAnyCommand) {
  TestDatabase db = TestDatabase::Create(/*migrate=*/false);  // `migrate` below creates the schema
  auto sim =
      SimProcess::Start({"--natural", "2000", "--labgrown", "0", "--password", kNivodaPassword, "--log-level", "warn"});
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  test::TempDir dir;
  const int closed = FreePort();  // nothing listens there
  const std::string db_url = WithPassword(db.url(), kDbPassword);
  std::vector<std::string> base = {"PATH=/usr/bin:/bin",
                                   "DI_DATA_DIR=" + dir.path(),
                                   "LOG_LEVEL=debug",
                                   "LOG_FORMAT=json",
                                   "METRICS_ADDR=127.0.0.1:0",
                                   "NIVODA_ENDPOINT=" + (*sim)->endpoint(),
                                   "NIVODA_USERNAME=nivoda-sim",
                                   "NIVODA_RATE_LIMIT=500",
                                   "RETRY_ATTEMPTS=2",
                                   "RETRY_BASE_MS=20",
                                   "RETRY_CAP_MS=100",
                                   "MAX_PARTITIONS_FULL=4",
                                   "CONSOLIDATION_DELAY_SECONDS=1",
                                   "QUEUE_RETRY_DELAY_SECONDS=1",
                                   "RESEND_API_KEY=" + kResendKey,
                                   "RESEND_BASE_URL=http://127.0.0.1:" + std::to_string(closed),
                                   "ALERT_EMAIL_TO=ops@example.com",
                                   "ALERT_EMAIL_FROM=Diamonds <alerts@example.com>"};
  auto env = [&](std::vector<std::string> extra) {
    std::vector<std::string> e = base;
    e.insert(e.end(), extra.begin(), extra.end());
    return e;
  };
  const std::string good_db = "DATABASE_URL=" + db_url, good_pw = "NIVODA_PASSWORD=" + kNivodaPassword;
  const std::string azure_storage =
      "AZURE_STORAGE_CONNECTION_STRING=AccountName=devstoreaccount1;AccountKey=" + kAccountKey +
      ";BlobEndpoint=http://127.0.0.1:" + std::to_string(closed) + "/devstoreaccount1";
  const std::string azure_bus =
      "AZURE_SERVICE_BUS_CONNECTION_STRING=Endpoint=sb://127.0.0.1:" + std::to_string(closed) +
      "/;SharedAccessKeyName=RootManageSharedAccessKey;"
      "SharedAccessKey=" +
      kSasKey + ";UseDevelopmentEmulator=true";
  struct Step {
    std::string name;
    std::vector<std::string> args;
    std::vector<std::string> extra_env;
    int expected_exit;
    int time_limit_s = 60;  // `timeout` exits 124 when it stops the command
  };
  const std::vector<Step> steps = {
      {"config", {"config"}, {good_db, good_pw, azure_storage, azure_bus}, 0},
      {"migrate", {"migrate"}, {good_db, good_pw}, 0},
      {"run --full", {"run", "--full"}, {good_db, good_pw}, 0},
      {"status", {"status"}, {good_db, good_pw}, 0},
      {"status --json", {"status", "--json"}, {good_db, good_pw}, 0},
      {"work --exit-when-idle", {"work", "--exit-when-idle"}, {good_db, good_pw}, 0},
      {"run --full, wrong Nivoda password", {"run", "--full"}, {good_db, "NIVODA_PASSWORD=" + kWrongNivodaPassword}, 1},
      {"status, unreachable database",
       {"status"},
       {"DATABASE_URL=postgresql://postgres:" + kDbPassword + "@127.0.0.1:" + std::to_string(closed) + "/x", good_pw},
       1},
      {"run --full, unreachable blob storage", {"run", "--full"}, {good_db, good_pw, azure_storage}, 1},
      // The queue client retries an unreachable broker forever: stopped (SIGTERM) after 4 s.
      {"run --full, unreachable Service Bus", {"run", "--full"}, {good_db, good_pw, azure_bus}, 124, 4},
      {"status, invalid DATABASE_URL", {"status"}, {"DATABASE_URL=mysql://u:" + kDbPassword + "@h/x", good_pw}, 2},
  };
  std::vector<Captured> captured;
  for (const auto& s : steps) {
    std::vector<std::string> argv = {"/usr/bin/timeout", std::to_string(s.time_limit_s), DiamondIngestBin()};
    argv.insert(argv.end(), s.args.begin(), s.args.end());
    auto start = std::chrono::steady_clock::now();
    auto r = test::RunProcess(argv, env(s.extra_env), dir.path());
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(r.exit_code, s.expected_exit) << s.name << " (" << secs << " s):\n" << r.err.substr(0, 3000);
    captured.push_back({s.name, r.exit_code, r.out, r.err});
  }
  auto tokens = (*sim)->Get("/admin/tokens");
  ASSERT_TRUE(tokens.ok());
  std::vector<std::string> issued = Lines(tokens->body);
  EXPECT_FALSE(issued.empty()) << "the simulator issued no token: the good run never authenticated";
  std::vector<std::string> markers = {kDbPassword,     kNivodaPassword, kWrongNivodaPassword, kResendKey, kAccountKey,
                                      kAccountKeyText, kSasKey,         kSasKeyText};
  // Base64 keys without padding too (a prefix printed by a sloppy error).
  markers.push_back(kAccountKey.substr(0, kAccountKey.size() - 1));
  markers.push_back(kSasKey.substr(0, kSasKey.size() - 2));
  markers.insert(markers.end(), issued.begin(), issued.end());
  size_t lines = 0, json_lines = 0, leaks = 0, error_lines = 0;
  for (const auto& c : captured) {
    for (const auto& [stream, text] : {std::pair{"stdout", c.out}, std::pair{"stderr", c.err}}) {
      bool final_error = false;  // the plain "diamond-ingest CMD: why" line that ends a failed command
      for (const auto& line : Lines(text)) {
        if (std::string(stream) == "stderr" && line.rfind("diamond-ingest ", 0) == 0) final_error = true;
        error_lines += final_error ? 1 : 0;
        ++lines;
        for (const auto& m : markers) {
          if (line.find(m) != std::string::npos) {
            ++leaks;
            ADD_FAILURE() << c.name << " " << stream << " leaks '" << m << "': " << line.substr(0, 400);
          }
        }
        if (std::string(stream) == "stderr" && c.exit_code != 2 && !final_error) {
          auto j = nlohmann::json::parse(line, nullptr, false);
          EXPECT_TRUE(!j.is_discarded() && j.is_object()) << c.name << ": stderr line is not JSON: " << line;
          if (!j.is_discarded() && j.is_object()) ++json_lines;
        }
      }
    }
  }
  // The config printout shows the secrets as ***.
  EXPECT_NE(captured[0].out.find("***"), std::string::npos) << captured[0].out;
  std::printf(
      "[figures] secrets: %zu commands, %zu output lines scanned (%zu JSON log lines, %zu final error "
      "lines), %zu markers + %zu issued tokens searched, %zu leaks\n",
      captured.size(), lines, json_lines, error_lines, markers.size() - issued.size(), issued.size(), leaks);
}

// Local addresses (hex "0100007F:24F8" = 127.0.0.1:9464) of the LISTEN sockets of PID in FILE (/proc/net/tcp or tcp6).
std::vector<std::string> ListeningAddresses(pid_t pid, const std::string& file) {
  std::set<std::string> inodes;
  std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(fd_dir, ec)) {
    std::string target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  std::vector<std::string> out;
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string sl, local, remote, state, queues, timer, retr, uid, timeout, inode;
    ss >> sl >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode;
    if (state == "0A" && inodes.count(inode)) out.push_back(local);
  }
  return out;
}

TEST(Security, MetricsServerBindsLoopbackByDefault) {
  TestDatabase db = TestDatabase::Create();
  test::TempDir dir;
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "DI_DATA_DIR=" + dir.path(), "DATABASE_URL=" + db.url(),
                                  "LOG_FORMAT=json"};
  auto config = test::RunProcess({DiamondIngestBin(), "config"}, env, dir.path());
  ASSERT_EQ(config.exit_code, 0) << config.err;
  bool default_line = false;
  for (const auto& line : Lines(config.out)) {
    if (line.find("METRICS_ADDR") != std::string::npos) {
      default_line = line.find("127.0.0.1:9464") != std::string::npos;
      EXPECT_TRUE(default_line) << line;
    }
  }
  EXPECT_TRUE(default_line) << config.out;
  ASSERT_FALSE(Connects(9464)) << "something else already listens on 127.0.0.1:9464; cannot test the default bind";
  // METRICS_ADDR unset: the default.
  pid_t work = SpawnProcess({DiamondIngestBin(), "work"}, env, dir.path() + "/work.log", LogMode::kTruncate);
  std::vector<std::string> v4, v6;
  for (int i = 0; i < 100 && v4.empty() && v6.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    v4 = ListeningAddresses(work, "/proc/net/tcp");
    v6 = ListeningAddresses(work, "/proc/net/tcp6");
  }
  bool healthz = Connects(9464);
  EXPECT_EQ(Stop(work), 0) << ReadFile(dir.path() + "/work.log");
  ASSERT_EQ(v4.size(), 1u) << "listening sockets of `work`: " << v4.size() << " IPv4, " << v6.size() << " IPv6\n"
                           << ReadFile(dir.path() + "/work.log");
  EXPECT_EQ(v4[0], "0100007F:24F8") << "expected 127.0.0.1:9464";
  EXPECT_TRUE(v6.empty());
  EXPECT_TRUE(healthz);
  std::printf(
      "[figures] metrics: default METRICS_ADDR 127.0.0.1:9464; `work` listens on %zu socket(s): %s (IPv6: %zu)\n",
      v4.size(), v4.empty() ? "-" : v4[0].c_str(), v6.size());
}

TEST(Security, TlsVerificationRefusesASelfSignedCertificateUnlessLoudlyDisabled) {
  test::TempDir dir;
  auto gen =
      test::RunProcess({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-keyout", dir.path() + "/key.pem", "-out", dir.path() + "/cert.pem"},
                       {"PATH=/usr/bin:/bin", "HOME=" + dir.path(), "RANDFILE=" + dir.path() + "/rnd"}, dir.path());
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  int port = FreePort();
  pid_t server =
      SpawnProcess({"/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                    dir.path() + "/cert.pem", "-key", dir.path() + "/key.pem", "-www", "-quiet"},
                   {"PATH=/usr/bin:/bin", "HOME=" + dir.path()}, dir.path() + "/s_server.log", LogMode::kTruncate);
  for (int i = 0; i < 100 && !Connects(port); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(Connects(port)) << ReadFile(dir.path() + "/s_server.log");
  TestDatabase db = TestDatabase::Create();
  std::vector<std::string> env = {"PATH=/usr/bin:/bin",
                                  "DI_DATA_DIR=" + dir.path(),
                                  "DATABASE_URL=" + db.url(),
                                  "LOG_FORMAT=json",
                                  "NIVODA_USERNAME=u",
                                  "NIVODA_PASSWORD=p",
                                  "NIVODA_ENDPOINT=https://127.0.0.1:" + std::to_string(port) + "/api/diamonds",
                                  "RETRY_ATTEMPTS=1",
                                  "METRICS_ADDR=127.0.0.1:0",
                                  "NIVODA_TIMEOUT_SECONDS=3"};
  auto strict = test::RunProcess({"/usr/bin/timeout", "60", DiamondIngestBin(), "run", "--full"}, env, dir.path());
  env.push_back("NIVODA_INSECURE_TLS=true");
  auto insecure = test::RunProcess({"/usr/bin/timeout", "60", DiamondIngestBin(), "run", "--full"}, env, dir.path());
  Stop(server);
  const std::string refused = "SSL peer certificate";  // curl's CURLE_PEER_FAILED_VERIFICATION
  EXPECT_EQ(strict.exit_code, 1) << strict.err;
  EXPECT_NE(strict.err.find(refused), std::string::npos) << strict.err;
  EXPECT_EQ(strict.err.find("NIVODA_INSECURE_TLS"), std::string::npos) << strict.err;
  // With the flag: past the TLS handshake (s_server answers HTML, not GraphQL), and warned at start-up.
  EXPECT_EQ(insecure.exit_code, 1) << insecure.err;
  EXPECT_EQ(insecure.err.find(refused), std::string::npos) << insecure.err;
  auto lines = Lines(insecure.err);
  ASSERT_FALSE(lines.empty());
  auto first = nlohmann::json::parse(lines[0], nullptr, false);
  ASSERT_FALSE(first.is_discarded()) << lines[0];
  EXPECT_EQ(first.value("level", ""), "warn") << lines[0];
  EXPECT_NE(lines[0].find("NIVODA_INSECURE_TLS"), std::string::npos) << lines[0];
  std::printf(
      "[figures] TLS: self-signed https endpoint refused by default (exit %d, '%s'); with "
      "NIVODA_INSECURE_TLS=true the handshake passes and the first log line is a warning\n",
      strict.exit_code, refused.c_str());
}

TEST(Security, HostileTextIsStoredRawAndConsolidatedByteExact) {
  const int kOffers = 2000;
  Pipeline p({"--natural", std::to_string(kOffers), "--labgrown", "0", "--hostile-text-fraction", "0.05", "--log-level",
              "warn"});
  std::set<std::string> hostile;
  for (uint32_t s = 0; s < kOffers; ++s) {
    if (sim::ContentOf(1, s, sim::ItemContent{0, 0.05}) == sim::StoneContent::kHostile)
      hostile.insert(sim::StoneId(1, s));
  }
  ASSERT_GT(hostile.size(), 50u);
  test::TempDir dir;
  std::vector<std::string> env = {"PATH=/usr/bin:/bin",
                                  "DI_DATA_DIR=" + dir.path(),
                                  "DATABASE_URL=" + p.db.url(),
                                  "LOG_FORMAT=json",
                                  "LOG_LEVEL=info",
                                  "NIVODA_ENDPOINT=" + p.sim->endpoint(),
                                  "NIVODA_USERNAME=nivoda-sim",
                                  "NIVODA_PASSWORD=nivoda-sim-password",
                                  "NIVODA_RATE_LIMIT=500",
                                  "MAX_PARTITIONS_FULL=4",
                                  "METRICS_ADDR=127.0.0.1:0"};
  auto run = test::RunProcess({"/usr/bin/timeout", "60", DiamondIngestBin(), "run", "--full"}, env, dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err.substr(0, 3000);
  auto conn = p.db.Connect();
  auto run_id = conn->Exec("SELECT run_id, status FROM run_metadata");
  ASSERT_TRUE(run_id.ok() && run_id->rows() == 1);
  EXPECT_EQ(run_id->GetString(0, 1), "completed");
  auto raw = p.RawOfRun(run_id->GetString(0, 0));
  auto truth = p.SimTruth();
  EXPECT_TRUE(raw == truth) << DescribeDifference(truth, raw);
  // Raw: the stored payload is the exact bytes served (its SHA-256 is the hash of what was received).
  auto differs = conn->Exec(
      "SELECT count(*) FROM raw_diamonds_nivoda WHERE encode(sha256(convert_to(payload::text, 'UTF8')), 'hex') "
      "<> payload_hash");
  ASSERT_TRUE(differs.ok()) << differs.status().ToString();
  EXPECT_EQ(differs->GetInt64(0, 0), 0);
  // Consolidated: every text column of a hostile stone holds the text byte-exact
  // (free text as is; grade codes upper-cased by the mapping).
  const std::string text(sim::kHostileText);
  std::string upper = text;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::vector<std::string> free_text = {"full_shape",      "fancy_color",         "fancy_intensity",
                                              "fancy_overtone",  "availability_raw",    "hold_id",
                                              "nivoda_stock_id", "supplier_stock_id",   "image_url",
                                              "video_url",       "certificate_pdf_url", "certificate_number",
                                              "eye_clean_raw",   "supplier_name",       "supplier_legal_name"};
  const std::vector<std::string> codes = {
      "shape", "color",  "clarity", "cut", "polish", "symmetry", "fluorescence_intensity", "fluorescence_color",
      "lab",   "girdle", "culet"};
  std::string sql = "SELECT supplier_stone_id";
  for (const auto& c : free_text) sql += ", " + c;
  for (const auto& c : codes) sql += ", " + c;
  sql += " FROM diamonds WHERE status = 'active'";
  auto rows = conn->Exec(sql);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->rows(), static_cast<int>(truth.size()));
  size_t hostile_rows = 0, cells = 0;
  for (int i = 0; i < rows->rows(); ++i) {
    if (!hostile.count(rows->GetString(i, 0))) continue;
    ++hostile_rows;
    for (size_t k = 0; k < free_text.size() + codes.size(); ++k) {
      int col = static_cast<int>(k) + 1;
      const std::string& expected = k < free_text.size() ? text : upper;
      std::string name = k < free_text.size() ? free_text[k] : codes[k - free_text.size()];
      EXPECT_FALSE(rows->IsNull(i, col)) << name;
      if (!rows->IsNull(i, col)) {
        EXPECT_EQ(rows->GetString(i, col), expected) << name << " of " << rows->GetString(i, 0);
        ++cells;
      }
    }
  }
  EXPECT_EQ(hostile_rows, hostile.size());
  EXPECT_EQ(static_cast<int64_t>(conn->Exec("SELECT count(*) FROM consolidation_failures")->GetInt64(0, 0)), 0);

  // Hostile queue messages: hostile text in every text field; dead-lettered byte-exact, no SQL error.
  const std::string h = nlohmann::json(text).dump();  // a JSON string literal
  const std::vector<std::pair<std::string, std::string>> messages = {
      {queue::kWorkItems, "{\"runId\":" + h + ",\"partitionId\":0,\"feed\":" + h + ",\"priceMin\":0,\"updatedTo\":" +
                              h + ",\"watermarkBefore\":" + h + ",\"updatedFrom\":" + h + "}"},
      {queue::kWorkItems,
       "{\"runId\":\"ok-run\",\"partitionId\":0,\"feed\":" + h + ",\"priceMin\":0,\"updatedTo\":" + h + "}"},
      {queue::kWorkItems, "{\"runId\":\"ok-run\",\"partitionId\":0,\"priceMin\":0,\"updatedTo\":" + h + "}"},
      {queue::kWorkItems, text},
      {queue::kConsolidate, "{\"runId\":" + h + ",\"force\":" + h + "}"},
      {queue::kConsolidate, text},
  };
  for (const auto& [q, body] : messages)
    ASSERT_TRUE(p.components.queue->Send({q, body, std::nullopt, std::nullopt}).ok());
  auto work =
      test::RunProcess({"/usr/bin/timeout", "60", DiamondIngestBin(), "work", "--exit-when-idle"}, env, dir.path());
  EXPECT_EQ(work.exit_code, 0) << work.err;
  pid_t cons =
      SpawnProcess({DiamondIngestBin(), "consolidate"}, env, dir.path() + "/consolidate.log", LogMode::kTruncate);
  for (int i = 0; i < 100 && p.Pending(queue::kConsolidate) > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(Stop(cons), 0);
  std::string logs = run.err + work.err + ReadFile(dir.path() + "/consolidate.log");
  EXPECT_EQ(logs.find("syntax error"), std::string::npos);
  EXPECT_EQ(logs.find("SQLSTATE"), std::string::npos);
  int dead = 0;
  for (const auto& [q, body] : messages) {
    auto r =
        conn->Exec("SELECT reason FROM queue_dead_letters WHERE queue = $1 AND body = $2", {pg::P(q), pg::P(body)});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->rows(), 1) << q << ": " << body;
    dead += r->rows();
  }
  EXPECT_EQ(conn->Exec("SELECT count(*) FROM diamonds")->GetInt64(0, 0), static_cast<int64_t>(truth.size()));
  std::printf(
      "[figures] hostile text: %zu/%zu offers hostile, %zu stones consolidated, %zu hostile cells compared "
      "byte-exact (%zu free-text + %zu code columns), raw hash mismatches %lld; %zu hostile queue messages, "
      "%d dead-lettered byte-exact\n",
      hostile_rows, truth.size(), static_cast<size_t>(rows->rows()), cells, free_text.size(), codes.size(),
      static_cast<long long>(differs->GetInt64(0, 0)), messages.size(), dead);
}

}  // namespace
}  // namespace di::testing
