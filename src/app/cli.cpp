// diamond-ingest: the command line. The only translation unit that includes CLI11.
//
//   diamond-ingest [--env-file PATH] [--<setting> VALUE ...] <subcommand> [options]
//
// One global flag per setting of the settings table (settings.h), accepted
// before or after the subcommand. Exit status: 0 ok, 1 runtime failure,
// 2 bad configuration or usage (one line on stderr naming what is wrong).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/commands.h"
#include "common/log.h"
#include "config/config.h"
#include "config/settings.h"

extern char** environ;

namespace di {
namespace {

// The registered subcommands and how to run the one the user chose.
class CommandSet {
 public:
  // Adds subcommand NAME running RUN with an Options value that the caller
  // binds flags to. The Options object lives as long as the CommandSet.
  template <typename Options>
  std::pair<CLI::App*, Options*> Add(CLI::App& app, const std::string& name, const std::string& description,
                                     int (*run)(const Config&, const Options&)) {
    auto options = std::make_shared<Options>();
    CLI::App* sub = app.add_subcommand(name, description);
    commands_.push_back({sub, [options, run](const Config& config) { return run(config, *options); }});
    return {sub, options.get()};
  }

  // The subcommand given on the command line, or nullptr.
  const std::function<int(const Config&)>* Selected() const {
    for (const auto& c : commands_) {
      if (c.app->parsed()) return &c.run;
    }
    return nullptr;
  }

 private:
  struct Command {
    CLI::App* app;
    std::function<int(const Config&)> run;
  };
  std::vector<Command> commands_;
};

// Every subcommand: one block each. See commands.h.
void RegisterCommands(CLI::App& app, CommandSet& commands) {
  {
    auto [cmd, opts] = commands.Add<ConfigOptions>(
        app, "config", "Print the effective configuration (secrets shown as ***)", RunConfig);
    cmd->add_flag("--markdown", opts->markdown, "Print the settings table as Markdown (src/config/README.md)");
  }
  { commands.Add<MigrateOptions>(app, "migrate", "Apply the database schema migrations", RunMigrate); }
  {
    auto [cmd, opts] =
        commands.Add<WorkOptions>(app, "work", "Run the worker: fetch partitions from the queue", RunWork);
    cmd->add_flag("--exit-when-idle", opts->exit_when_idle, "Stop once the work queue is empty");
  }
  {
    auto [cmd, opts] = commands.Add<ConsolidateOptions>(
        app, "consolidate", "Map raw offers of finished runs into diamonds, soft-delete, advance the watermark",
        RunConsolidate);
    cmd->add_option("--run-id", opts->run_id, "Consolidate this run once and exit (default: consume the queue)");
    cmd->add_flag("--force", opts->force, "With --run-id: consolidate even though some partitions failed");
  }
  {
    auto [cmd, opts] = commands.Add<RunOptions>(
        app, "run", "Schedule (or resume), work and consolidate one sync per feed in this process", RunRun);
    cmd->add_flag("--full", opts->full, "A full run even when a watermark exists");
  }
  {
    auto [cmd, opts] = commands.Add<CancelOptions>(
        app, "cancel", "End a running run as cancelled: nothing consolidated, watermark kept", RunCancel);
    cmd->add_option("--run-id", opts->run_id, "The run")->required();
  }
  {
    CLI::App* dead_letters = app.add_subcommand("dead-letters", "List or redrive the queues' dead letters");
    dead_letters->require_subcommand(1);
    dead_letters->fallthrough();  // settings flags after the subcommand reach the main app
    auto [list, lo] = commands.Add<DeadLettersListOptions>(*dead_letters, "list", "List dead letters, newest first",
                                                           RunDeadLettersList);
    list->add_option("--queue", lo->queue, "Only this queue (default: every queue)");
    list->add_flag("--json", lo->json, "Print JSON instead of a table");
    list->add_option("--limit", lo->limit, "Most dead letters listed (default 100)");
    auto [redrive, ro] = commands.Add<DeadLettersRedriveOptions>(
        *dead_letters, "redrive", "Send dead letters again (a work item's failed partition is reset)",
        RunDeadLettersRedrive);
    redrive->add_option("--queue", ro->queue, "Only this queue (default: every queue)");
    redrive->add_option("--id", ro->id, "The dead letter with this id (see list)");
    redrive->add_flag("--all", ro->all, "Every dead letter (of --queue)");
  }
  {
    auto [cmd, opts] = commands.Add<RetryOptions>(app, "retry", "Re-publish a run's failed partitions", RunRetry);
    cmd->add_option("--run-id", opts->run_id, "The run")->required();
    cmd->add_option("--partition", opts->partition, "Only this partition");
  }
  {
    auto [cmd, opts] = commands.Add<ScheduleOptions>(
        app, "schedule", "Plan price partitions and publish a sync run's work items", RunSchedule);
    cmd->add_flag("--full", opts->full, "Full run even when a watermark exists");
    cmd->add_flag("--force", opts->force, "Start even if a run of the feed is still in flight");
    cmd->add_flag("--dry-run", opts->dry_run, "Print the plan and the count queries used; write and send nothing");
    cmd->add_option("--plot", opts->plot, "Write the density histogram with partition boundaries as SVG")
        ->type_name("FILE");
  }
  {
    auto [cmd, opts] = commands.Add<StatusOptions>(
        app, "status", "Show runs, partitions, queue depths, dead letters and stall warnings", RunStatus);
    cmd->add_option("--run-id", opts->run_id, "Also list this run's partitions");
    cmd->add_flag("--json", opts->json, "Print JSON (stable field names) instead of tables");
    cmd->add_option("--limit", opts->limit, "Number of latest runs listed (default 10)");
  }
  {
    auto [cmd, opts] = commands.Add<ReportOptions>(
        app, "report", "Write a run's self-contained HTML report (charts, summary) to DIR/index.html", RunReport);
    cmd->add_option("--run-id", opts->run_id, "The run")->required();
    cmd->add_option("--out", opts->out, "Output directory")->required()->type_name("DIR");
  }
  {
    auto [cmd, opts] = commands.Add<DbOptions>(
        app, "db", "The embedded PostgreSQL (DI_DATA_DIR/pg): status (runs? where? version) or stop", RunDb);
    cmd->add_option("action", opts->action, "status | stop")->required()->check(CLI::IsMember({"status", "stop"}));
  }
  {
    auto [cmd, opts] = commands.Add<ChangesOptions>(
        app, "changes", "List the stones a run added, changed, deleted and undeleted in diamonds", RunChanges);
    cmd->add_option("--run-id", opts->run_id, "The run")->required();
    cmd->add_option("--change", opts->change, "Only this kind: added, changed, deleted or undeleted");
    cmd->add_option("--limit", opts->limit, "Stones listed at most (default 0: all)");
  }
  commands.Add<PruneOptions>(app, "prune",
                             "Delete run history, request tallies and dead letters past their retention now "
                             "(the consolidator does it after every run)",
                             RunPrune);
}

// One global flag per setting; values land in FLAGS keyed by setting name.
// REQUIRES: FLAGS outlives parsing (CLI11 keeps references to its entries).
void AddSettingFlags(CLI::App& app, std::map<std::string, std::string>& flags) {
  const std::string group = "Settings (flag > environment > .env > default)";
  for (const Setting& s : AllSettings()) {
    std::string name(s.name);
    std::string help = std::string(s.description) + " [env " + name;
    if (!s.default_value.empty()) help += ", default " + std::string(s.default_value);
    std::string allowed = DescribeAllowed(s);
    if (!allowed.empty()) help += ", allowed " + allowed;
    help += "]";
    // Every setting gets a slot (empty = not given: the loader treats empty as unset).
    std::string& slot = flags[name];
    CLI::Option* opt;
    if (s.kind == SettingKind::kBool) {
      // "--nivoda-insecure-tls" alone means true; "--nivoda-insecure-tls=false" is accepted too.
      opt = app.add_flag(FlagName(s), slot, help);
    } else {
      opt = app.add_option(FlagName(s), slot, help)->type_name(s.secret ? "SECRET" : "VALUE");
    }
    opt->group(group);
  }
}

// CLI11's message on one line, never echoing a value after '='.
std::string UsageMessage(const CLI::ParseError& e, const CLI::App& app) {
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    std::vector<std::string> extras = app.remaining();
    for (const CLI::App* sub : app.get_subcommands()) {
      for (const std::string& r : sub->remaining()) extras.push_back(r);
    }
    if (!extras.empty()) {
      std::string first = extras.front().substr(0, extras.front().find('='));
      bool is_flag = first.starts_with("-");
      return std::string(is_flag ? "unknown option " : "unexpected argument ") + first;
    }
  }
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && !app.remaining().empty() &&
      !app.remaining().front().starts_with("-")) {
    return "unknown subcommand " + app.remaining().front();
  }
  std::string message = e.what();
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return message;
}

log::Format ResolveFormat(LogFormatSetting format) {
  switch (format) {
    case LogFormatSetting::kJson:
      return log::Format::kJson;
    case LogFormatSetting::kHuman:
      return log::Format::kHuman;
    case LogFormatSetting::kAuto:
      break;
  }
  return isatty(STDERR_FILENO) ? log::Format::kHuman : log::Format::kJson;
}

int Main(int argc, char** argv) {
  CLI::App app{"diamond-ingest: keeps a PostgreSQL copy of the Nivoda diamond inventory current", "diamond-ingest"};
  app.fallthrough();  // global flags also after the subcommand
  app.require_subcommand(1);
  app.set_version_flag("--version", "diamond-ingest 0.1.0");

  std::map<std::string, std::string> flags;
  std::string env_file;
  app.add_option("--env-file", env_file, "Read settings from this .env file instead of ./.env")->type_name("PATH");
  AddSettingFlags(app, flags);
  CommandSet commands;
  RegisterCommands(app, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "diamond-ingest: %s (see --help)\n", log::Redact(UsageMessage(e, app)).c_str());
    return kExitUsage;
  }

  ConfigSources sources;
  sources.environment = EnvironmentFromArray(environ);
  sources.flags = std::move(flags);
  sources.env_file = env_file;
  sources.as_root = geteuid() == 0;
  Result<Config> config = LoadConfig(sources);
  if (!config.ok()) {
    std::string message = log::Redact(config.status().message());
    for (char& c : message) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    std::fprintf(stderr, "diamond-ingest: invalid configuration: %s\n", message.c_str());
    return kExitUsage;
  }
  log::Init(config->log_level, ResolveFormat(config->log_format));
  for (const std::string& warning : config->warnings) log::Warn(warning);

  const auto* run = commands.Selected();
  if (run == nullptr) {
    std::fprintf(stderr, "diamond-ingest: a subcommand is required (see --help)\n");
    return kExitUsage;
  }
  // Names this process's PostgreSQL sessions (pg_stat_activity.application_name),
  // so an operator sees which command and process holds a lease or a lock; a
  // PGAPPNAME already set wins.
  const std::string app_name =
      "diamond-ingest " + app.get_subcommands().front()->get_name() + " " + std::to_string(getpid());
  setenv("PGAPPNAME", app_name.c_str(), /*overwrite=*/0);
  return (*run)(*config);
}

}  // namespace
}  // namespace di

int main(int argc, char** argv) {
  try {
    return di::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "diamond-ingest: internal error: %s\n", di::log::Redact(e.what()).c_str());
    return di::kExitFailure;
  }
}
