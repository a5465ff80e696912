// The deployment files agree with the code and with each other:
// the Dockerfile installs exactly scripts/bootstrap's packages, every role the
// deployments start is a real subcommand, the scalers watch the work-items
// queue, and the Terraform is formatted (`terraform fmt -check`; providers
// cannot be downloaded here, so `terraform validate` is not run).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "ops_support.h"

namespace di::testing {
namespace {

std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> Words(const std::string& text) {
  std::set<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) {
    if (w != "\\") words.insert(w);
  }
  return words;
}

// The words of scripts/bootstrap's `packages=( ... )`.
std::set<std::string> BootstrapPackages() {
  const std::string text = Read(SourceDir() / "scripts/bootstrap");
  const size_t begin = text.find("packages=(");
  const size_t end = text.find(')', begin);
  EXPECT_NE(begin, std::string::npos);
  return Words(text.substr(begin + 10, end - begin - 10));
}

// The packages of the Dockerfile's build stage, between its markers.
std::set<std::string> DockerfilePackages() {
  const std::string text = Read(SourceDir() / "deploy/docker/Dockerfile");
  const size_t begin = text.find("# packages:begin");
  const size_t end = text.find("# packages:end");
  EXPECT_TRUE(begin != std::string::npos && end != std::string::npos);
  std::string block = text.substr(begin, end - begin);
  const size_t from = block.find("--no-install-recommends");
  const size_t to = block.find("&&", from);
  EXPECT_NE(from, std::string::npos);
  return Words(block.substr(from + 23, to - from - 23));
}

TEST(Deploy, DockerfileInstallsExactlyTheBootstrapPackages) {
  auto bootstrap = BootstrapPackages();
  auto docker = DockerfilePackages();
  EXPECT_GE(bootstrap.size(), 20u);
  EXPECT_EQ(docker, bootstrap);
  const std::string dockerfile = Read(SourceDir() / "deploy/docker/Dockerfile");
  EXPECT_NE(dockerfile.find("FROM debian:12 AS build"), std::string::npos);
  EXPECT_NE(dockerfile.find("USER 10001"), std::string::npos) << "the runtime stage runs as non-root";
}

TEST(Deploy, EveryRoleStartedIsASubcommand) {
  std::set<std::string> roles;
  for (const char* unit :
       {"diamond-ingest-schedule.service", "diamond-ingest-worker@.service", "diamond-ingest-consolidate.service"}) {
    // The last word of ExecStart= is the subcommand.
    const std::string text = Read(SourceDir() / "deploy/systemd" / unit);
    const size_t at = text.find("\nExecStart=");
    ASSERT_NE(at, std::string::npos) << unit;
    std::string line = text.substr(at + 1, text.find('\n', at + 1) - at - 1);
    while (!line.empty() && (line.back() == '\'' || line.back() == ' ')) line.pop_back();
    roles.insert(line.substr(line.find_last_of(' ') + 1));
  }
  const std::regex args(R"re(args\s*[:=]\s*\[\s*"([a-z]+)")re");
  for (const auto& file : {"deploy/kubernetes/scheduler-cronjob.yaml", "deploy/kubernetes/worker-deployment.yaml",
                           "deploy/kubernetes/consolidator-deployment.yaml", "deploy/azure/apps.tf"}) {
    const std::string text = Read(SourceDir() / file);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), args); it != std::sregex_iterator(); ++it) {
      roles.insert((*it)[1]);
    }
  }
  EXPECT_EQ(roles, (std::set<std::string>{"schedule", "work", "consolidate"}));
  for (const auto& role : roles) {
    auto r = RunCommand({BinaryPath("diamond-ingest"), role, "--help"});
    EXPECT_EQ(r.exit_code, 0) << "diamond-ingest " << role << " is not a subcommand";
  }
}

TEST(Deploy, ScalersWatchTheWorkItemsQueueAtFiveMessages) {
  const std::string sb = Read(SourceDir() / "deploy/kubernetes/keda-servicebus.yaml");
  EXPECT_NE(sb.find("type: azure-servicebus"), std::string::npos);
  EXPECT_NE(sb.find("queueName: work-items"), std::string::npos);
  EXPECT_NE(sb.find("messageCount: \"5\""), std::string::npos);
  const std::string pg = Read(SourceDir() / "deploy/kubernetes/keda-postgresql.yaml");
  EXPECT_NE(pg.find("type: postgresql"), std::string::npos);
  EXPECT_NE(pg.find("FROM queue_messages WHERE queue = 'work-items'"), std::string::npos);
  const std::string tf = Read(SourceDir() / "deploy/azure/apps.tf");
  EXPECT_NE(tf.find("cron_expression          = \"0 * * * *\""), std::string::npos);
  EXPECT_NE(tf.find("min_replicas = 1"), std::string::npos);
  EXPECT_NE(tf.find("max_replicas = 10"), std::string::npos);
  EXPECT_NE(tf.find("messageCount = \"5\""), std::string::npos);
  const std::string storage = Read(SourceDir() / "deploy/azure/storage.tf");
  EXPECT_NE(storage.find("name                  = \"watermarks\""), std::string::npos);
}

// Deletions happen on a schedule: every target runs `schedule` hourly (full when
// FULL_RUN_INTERVAL has passed, incremental otherwise) for both feeds.
TEST(Deploy, EveryTargetSchedulesBothFeedsEveryHour) {
  EXPECT_NE(Read(SourceDir() / "deploy/systemd/diamond-ingest-schedule.timer").find("\nOnCalendar=hourly\n"),
            std::string::npos);
  EXPECT_NE(Read(SourceDir() / "deploy/systemd/env.example").find("\nFEED=natural,labgrown\n"), std::string::npos);
  EXPECT_NE(Read(SourceDir() / "deploy/kubernetes/scheduler-cronjob.yaml").find("schedule: \"0 * * * *\""),
            std::string::npos);
  EXPECT_NE(Read(SourceDir() / "deploy/kubernetes/config.yaml").find("  FEED: natural,labgrown\n"), std::string::npos);
  const std::string variables = Read(SourceDir() / "deploy/azure/variables.tf");
  EXPECT_NE(variables.find("default     = \"natural,labgrown\""), std::string::npos);
  EXPECT_NE(Read(SourceDir() / "deploy/azure/main.tf").find("FULL_RUN_INTERVAL           = var.full_run_interval"),
            std::string::npos);
  const std::string dockerfile = Read(SourceDir() / "deploy/docker/Dockerfile");
  EXPECT_NE(dockerfile.find("FEED=natural,labgrown"), std::string::npos);
  EXPECT_NE(dockerfile.find("0 * * * * docker run --rm --env-file prod.env diamond-ingest schedule"),
            std::string::npos);
  // Each value is one the binary accepts.
  auto r = RunCommand(
      {"env", "-i", "FEED=natural,labgrown", "FULL_RUN_INTERVAL=24h", BinaryPath("diamond-ingest"), "config"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(Deploy, TerraformIsFormatted) {
  // terraform ships with this project's machines (not a Debian package): a
  // machine without it fails here rather than skipping silently.
  ASSERT_EQ(RunCommand({"sh", "-c", "command -v terraform"}).exit_code, 0) << "terraform is not installed";
  auto r = RunCommand(
      {"sh", "-c",
       "terraform fmt -check -recursive " + ShellQuote((SourceDir() / "deploy/azure").string()) + " 2>/dev/null"});
  EXPECT_EQ(r.exit_code, 0) << "not formatted: " << r.out;
}

TEST(Deploy, GrafanaDashboardUsesTheExportedMetrics) {
  const std::string dash = Read(SourceDir() / "deploy/grafana/diamond-ingest.json");
  for (const char* metric : {"nivoda_requests_total", "nivoda_request_seconds_bucket",
                             "rate_limiter_wait_seconds_bucket", "worker_state", "nivoda_retries_total"}) {
    EXPECT_NE(dash.find(metric), std::string::npos) << metric;
  }
}

}  // namespace
}  // namespace di::testing
