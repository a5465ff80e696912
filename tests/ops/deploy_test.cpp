// The deployment files agree with the code and with each other:
// the Dockerfile's build stage installs exactly scripts/bootstrap's build
// packages (no test framework or server) and its context (.dockerignore)
// configures without the tests; install.sh stops at placeholders; every role
// the deployments start is a real subcommand, the scalers watch the
// work-items queue, and the Terraform is formatted (`terraform fmt -check`;
// providers cannot be downloaded here, so `terraform validate` is not run).
// Azure names and queue settings: deploy_azure_test.cpp.
#include <fnmatch.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "ops_support.h"

namespace di::testing {
namespace {

std::set<std::string> Words(const std::string& text) {
  std::set<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) {
    if (w != "\\") words.insert(w);
  }
  return words;
}

// The words of scripts/bootstrap's `NAME=( ... )`.
std::set<std::string> BootstrapList(const std::string& name) {
  const std::string text = FileText(SourceDir() / "scripts/bootstrap");
  const size_t begin = text.find("\n" + name + "=(");
  const size_t end = text.find(')', begin);
  EXPECT_NE(begin, std::string::npos) << name;
  return Words(text.substr(begin + name.size() + 3, end - begin - name.size() - 3));
}

// The packages of the Dockerfile's build stage, between its markers.
std::set<std::string> DockerfilePackages() {
  const std::string text = FileText(SourceDir() / "deploy/docker/Dockerfile");
  const size_t begin = text.find("# packages:begin");
  const size_t end = text.find("# packages:end");
  EXPECT_TRUE(begin != std::string::npos && end != std::string::npos);
  std::string block = text.substr(begin, end - begin);
  const size_t from = block.find("--no-install-recommends");
  const size_t to = block.find("&&", from);
  EXPECT_NE(from, std::string::npos);
  return Words(block.substr(from + 23, to - from - 23));
}

TEST(Deploy, DockerBuildStageInstallsOnlyTheBuildPackages) {
  const auto build = BootstrapList("build_packages");
  const auto tests = BootstrapList("test_packages");
  EXPECT_GE(build.size(), 15u);
  EXPECT_GE(tests.size(), 8u);
  EXPECT_EQ(DockerfilePackages(), build);
  const std::string dockerfile = FileText(SourceDir() / "deploy/docker/Dockerfile");
  for (const auto& p : tests) {
    EXPECT_FALSE(build.contains(p)) << p << " is in both lists";
    EXPECT_FALSE(std::regex_search(dockerfile, std::regex("[ \t]" + p + "[ \t\n]"))) << p << " in an image";
  }
  EXPECT_EQ(dockerfile.find("postgresql"), std::string::npos) << "no PostgreSQL server in the images";
  EXPECT_NE(dockerfile.find("FROM debian:12 AS build"), std::string::npos);
  EXPECT_NE(dockerfile.find("-DDI_BUILD_TESTS=OFF"), std::string::npos);
  EXPECT_NE(dockerfile.find("USER 10001"), std::string::npos) << "the runtime stage runs as non-root";
}

// .dockerignore keeps secrets, build trees and what the build stage does not
// compile out of the context, and what is left configures without GoogleTest
// or Google Benchmark (DI_BUILD_TESTS=OFF): the top-level entries git tracks
// and .dockerignore lets through are copied to a scratch tree and configured.
TEST(Deploy, DockerContextConfiguresWithoutTheTests) {
  std::vector<std::string> patterns;
  std::istringstream ignore(FileText(SourceDir() / ".dockerignore"));
  for (std::string line; std::getline(ignore, line);) {
    if (!line.empty() && line[0] != '#' && line[0] != '!') patterns.push_back(line);
  }
  for (const char* must : {".git", ".env", "build*/", "**/node_modules", "tests/"}) {
    EXPECT_NE(std::find(patterns.begin(), patterns.end(), must), patterns.end()) << must;
  }
  auto ignored = [&](const std::string& top) {
    for (std::string p : patterns) {
      if (p.back() == '/') p.pop_back();
      if (p.starts_with("**/")) p = p.substr(3);
      if (fnmatch(p.c_str(), top.c_str(), 0) == 0) return true;
    }
    return false;
  };
  auto tracked = RunCommand({"git", "-C", SourceDir().string(), "ls-files"});
  ASSERT_EQ(tracked.exit_code, 0);
  std::set<std::string> kept;
  std::istringstream files(tracked.out);
  for (std::string f; std::getline(files, f);) {
    const std::string top = f.substr(0, f.find('/'));
    if (!ignored(top)) kept.insert(top);
  }
  for (const char* needed : {"CMakeLists.txt", "cmake", "src", "sim", "schema", "sql"}) {
    EXPECT_TRUE(kept.contains(needed)) << needed << " is needed by the build stage";
  }
  ScratchDir scratch("di-docker-context");
  const auto context = scratch.path() / "src";
  std::filesystem::create_directories(context);
  for (const auto& top : kept) {
    std::filesystem::copy(SourceDir() / top, context / top, std::filesystem::copy_options::recursive);
  }
  const auto build = scratch.path() / "build";
  auto configured = RunCommand({"sh", "-c",
                                "cmake -S " + ShellQuote(context.string()) + " -B " + ShellQuote(build.string()) +
                                    " -G Ninja -DDI_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null 2>&1"});
  ASSERT_EQ(configured.exit_code, 0) << "configure of the Docker context failed";
  const std::string cache = FileText(build / "CMakeCache.txt");
  EXPECT_EQ(cache.find("GTest_DIR:"), std::string::npos) << "GoogleTest was looked for";
  EXPECT_EQ(cache.find("benchmark_DIR:"), std::string::npos) << "Google Benchmark was looked for";
  auto targets = RunCommand({"ninja", "-C", build.string(), "-t", "targets", "all"});
  EXPECT_NE(targets.out.find("bin/diamond-ingest:"), std::string::npos);
  EXPECT_NE(targets.out.find("bin/nivoda-sim:"), std::string::npos);
  EXPECT_EQ(targets.out.find("_test:"), std::string::npos) << "no test target";
}

// install.sh refuses to install anything while the env file holds a
// placeholder: the check names the settings and runs before the binary, the
// units and systemctl.
TEST(Deploy, InstallStopsAtPlaceholders) {
  const auto script = SourceDir() / "deploy/systemd/install.sh";
  ScratchDir scratch("di-install-env");
  const auto env = scratch.path() / "env";
  std::filesystem::copy_file(SourceDir() / "deploy/systemd/env.example", env);
  auto placeholders = RunCommand(
      {"sh", "-c", "bash " + ShellQuote(script.string()) + " --check-env " + ShellQuote(env.string()) + " 2>&1"});
  EXPECT_EQ(placeholders.exit_code, 2) << placeholders.out;
  EXPECT_NE(placeholders.out.find("DATABASE_URL, NIVODA_USERNAME, NIVODA_PASSWORD still set to a CHANGE-ME"),
            std::string::npos)
      << placeholders.out;
  std::string filled = FileText(env);
  for (size_t at = filled.find("CHANGE-ME"); at != std::string::npos; at = filled.find("CHANGE-ME")) {
    filled.replace(at, 9, "real-value");
  }
  std::ofstream(env) << filled << "# NIVODA_PASSWORD=change_me in a comment is no setting\n";
  auto ok = RunCommand({"bash", script.string(), "--check-env", env.string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  std::ofstream(env, std::ios::app) << "RESEND_API_KEY=ChangeMe\n";
  EXPECT_EQ(RunCommand({"bash", script.string(), "--check-env", env.string()}).exit_code, 2) << "any case";

  const std::string text = FileText(script);
  const size_t check = text.find("\ncheck_env /etc/diamond-ingest/env");
  ASSERT_NE(check, std::string::npos);
  EXPECT_LT(check, text.find("install -m 0755 \"$binary\""));
  EXPECT_LT(check, text.find("systemctl"));
  EXPECT_LT(check, text.find("/etc/systemd/system"));
}

TEST(Deploy, EveryRoleStartedIsASubcommand) {
  std::set<std::string> roles;
  for (const char* unit :
       {"diamond-ingest-schedule.service", "diamond-ingest-worker@.service", "diamond-ingest-consolidate.service"}) {
    // The last word of ExecStart= is the subcommand.
    const std::string text = FileText(SourceDir() / "deploy/systemd" / unit);
    const size_t at = text.find("\nExecStart=");
    ASSERT_NE(at, std::string::npos) << unit;
    std::string line = text.substr(at + 1, text.find('\n', at + 1) - at - 1);
    while (!line.empty() && (line.back() == '\'' || line.back() == ' ')) line.pop_back();
    roles.insert(line.substr(line.find_last_of(' ') + 1));
  }
  const std::regex args(R"re(args\s*[:=]\s*\[\s*"([a-z]+)")re");
  for (const auto& file : {"deploy/kubernetes/scheduler-cronjob.yaml", "deploy/kubernetes/worker-deployment.yaml",
                           "deploy/kubernetes/consolidator-deployment.yaml", "deploy/azure/apps.tf"}) {
    const std::string text = FileText(SourceDir() / file);
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
  const std::string sb = FileText(SourceDir() / "deploy/kubernetes/keda-servicebus.yaml");
  EXPECT_NE(sb.find("type: azure-servicebus"), std::string::npos);
  EXPECT_NE(sb.find("queueName: work-items"), std::string::npos);
  EXPECT_NE(sb.find("messageCount: \"5\""), std::string::npos);
  const std::string pg = FileText(SourceDir() / "deploy/kubernetes/keda-postgresql.yaml");
  EXPECT_NE(pg.find("type: postgresql"), std::string::npos);
  EXPECT_NE(pg.find("FROM queue_messages WHERE queue = 'work-items'"), std::string::npos);
  const std::string tf = FileText(SourceDir() / "deploy/azure/apps.tf");
  EXPECT_NE(tf.find("cron_expression          = \"0 * * * *\""), std::string::npos);
  EXPECT_NE(tf.find("min_replicas = 1"), std::string::npos);
  EXPECT_NE(tf.find("max_replicas = 10"), std::string::npos);
  EXPECT_NE(tf.find("messageCount = \"5\""), std::string::npos);
  const std::string storage = FileText(SourceDir() / "deploy/azure/storage.tf");
  EXPECT_NE(storage.find("name                  = \"watermarks\""), std::string::npos);
}

// Deletions happen on a schedule: every target runs `schedule` hourly (full when
// FULL_RUN_INTERVAL has passed, incremental otherwise) for both feeds.
TEST(Deploy, EveryTargetSchedulesBothFeedsEveryHour) {
  EXPECT_NE(FileText(SourceDir() / "deploy/systemd/diamond-ingest-schedule.timer").find("\nOnCalendar=hourly\n"),
            std::string::npos);
  EXPECT_NE(FileText(SourceDir() / "deploy/systemd/env.example").find("\nFEED=natural,labgrown\n"), std::string::npos);
  EXPECT_NE(FileText(SourceDir() / "deploy/kubernetes/scheduler-cronjob.yaml").find("schedule: \"0 * * * *\""),
            std::string::npos);
  EXPECT_NE(FileText(SourceDir() / "deploy/kubernetes/config.yaml").find("  FEED: natural,labgrown\n"),
            std::string::npos);
  const std::string variables = FileText(SourceDir() / "deploy/azure/variables.tf");
  EXPECT_NE(variables.find("default     = \"natural,labgrown\""), std::string::npos);
  EXPECT_NE(FileText(SourceDir() / "deploy/azure/main.tf").find("FULL_RUN_INTERVAL           = var.full_run_interval"),
            std::string::npos);
  const std::string dockerfile = FileText(SourceDir() / "deploy/docker/Dockerfile");
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
  const std::string dash = FileText(SourceDir() / "deploy/grafana/diamond-ingest.json");
  for (const char* metric :
       {"diamond_ingest_nivoda_requests_total", "diamond_ingest_nivoda_request_duration_seconds_bucket",
        "diamond_ingest_rate_limiter_wait_seconds_bucket", "diamond_ingest_pages_fetched_total",
        "diamond_ingest_partitions_total", "diamond_ingest_queue_messages", "diamond_ingest_nivoda_retries_total"}) {
    EXPECT_NE(dash.find(metric), std::string::npos) << metric;
  }
}

}  // namespace
}  // namespace di::testing
