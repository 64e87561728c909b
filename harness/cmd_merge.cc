// `boxed merge DIR...`: combine the completion logs of the shards of one run (`boxed run --shard
// I/N`) into one log and one report, refusing anything that would make the report wrong: shards
// run with different settings, a shard missing or given twice, an id in two logs, an id in none.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <map>
#include <set>

#include "harness/commands.h"
#include "harness/run_setup.h"
#include "reports/report_markdown.h"
#include "reports/run_report.h"

namespace boxed::harness {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct MergeArgs {
  std::vector<std::string> dirs;
  std::string out;
  std::vector<std::string> datasets;
  bool no_text = false;
};

struct ShardLog {
  std::string dir;
  LogContents contents;
  int index = 0;
};

json without_shard(json config) {
  config.erase("shard");
  return config;
}

void merge(const MergeArgs& a) {
  std::vector<ShardLog> logs;
  for (const std::string& dir : a.dirs) {
    ShardLog s{.dir = dir, .contents = read_completion_log(fs::path(dir) / kCompletionLogName)};
    logs.push_back(std::move(s));
  }
  const json& config = logs.front().contents.header.at("config");
  const int count = config.at("shard").at("count").get<int>();
  std::map<int, std::string> shard_dirs;
  for (ShardLog& s : logs) {
    const json& c = s.contents.header.at("config");
    const auto diffs = config_differences(without_shard(config), without_shard(c));
    if (!diffs.empty()) {
      throw std::runtime_error(fmt::format("{} and {} were run with different settings:\n  {}",
                                           logs.front().dir, s.dir, fmt::join(diffs, "\n  ")));
    }
    s.index = c.at("shard").at("index").get<int>();
    const int n = c.at("shard").at("count").get<int>();
    if (n != count) {
      throw std::runtime_error(fmt::format("{} is shard {}/{}, but {} is of {} shards", s.dir,
                                           s.index, n, logs.front().dir, count));
    }
    if (auto [it, fresh] = shard_dirs.emplace(s.index, s.dir); !fresh) {
      throw std::runtime_error(fmt::format("shard {}/{} is given twice: {} and {}", s.index, count,
                                           it->second, s.dir));
    }
  }
  for (int i = 0; i < count; ++i) {
    if (!shard_dirs.contains(i)) {
      throw std::runtime_error(fmt::format("shard {}/{} is missing (have: {})", i, count,
                                           fmt::join(a.dirs, ", ")));
    }
  }

  // The run's full plan, from the datasets the shards were run on (or --dataset overrides).
  const json& info = logs.front().contents.header.value("info", json::object());
  std::vector<TaskInput> inputs;
  for (size_t i = 0; i < config.at("tasks").size(); ++i) {
    const std::string task = config["tasks"][i].at("task");
    const std::string path = i < a.datasets.size() ? a.datasets[i]
                                                   : info.value("datasets", json::object()).value(task, "");
    inputs.push_back({task, path});
  }
  const datasets::FieldMap fields = config.value("fields", datasets::FieldMap{});
  const RunTasks tasks = load_run_tasks(
      inputs, {.seed = config.at("seed").get<uint64_t>(), .limit = config.at("limit").get<int>(),
               .fields = fields});
  if (tasks.config != config.at("tasks")) {
    throw std::runtime_error(fmt::format(
        "the datasets found now differ from those the shards were run on:\n  {}",
        fmt::join(config_differences(config.at("tasks"), tasks.config), "\n  ")));
  }
  const json& s = config.at("sampling");
  const inference::SamplingParams sampling{
      .temperature = s.at("temperature").get<float>(), .top_p = s.at("top_p").get<float>(),
      .top_k = s.at("top_k").get<int>(), .min_p = s.at("min_p").get<float>(),
      .max_tokens = s.at("max_tokens").get<int>()};
  const int samples = config.at("samples").get<int>();
  const uint64_t seed = config.at("seed").get<uint64_t>();
  const std::vector<PlannedRequest> plan = plan_requests(tasks.problems, samples, sampling, seed, {});

  std::map<std::string, const ShardLog*> owner;
  for (const ShardLog& log : logs) {
    for (const auto& [id, record] : log.contents.latest) {
      if (auto [it, fresh] = owner.emplace(id, &log); !fresh) {
        throw std::runtime_error(fmt::format("duplicate: '{}' is in both {} and {}", id,
                                             it->second->dir, log.dir));
      }
    }
  }
  std::set<std::string> planned;
  std::vector<std::string> gaps;
  for (const PlannedRequest& p : plan) {
    planned.insert(p.request.id);
    if (!owner.contains(p.request.id)) gaps.push_back(p.request.id);
  }
  if (!gaps.empty()) {
    const size_t n_gaps = gaps.size();
    gaps.resize(std::min<size_t>(n_gaps, 5));
    throw std::runtime_error(fmt::format(
        "gap: {} of {} requests are in no shard log (first: {}); finish those shards first",
        n_gaps, plan.size(), fmt::join(gaps, ", ")));
  }
  for (const auto& [id, log] : owner) {
    if (!planned.contains(id)) {
      throw std::runtime_error(
          fmt::format("{} holds '{}', which is not a request of this run", log->dir, id));
    }
  }

  if (fs::exists(fs::path(a.out) / kCompletionLogName)) {
    throw std::runtime_error(fmt::format("{} already holds a completion log; merge into a new "
                                         "directory", a.out));
  }
  json merged_config = config;
  merged_config["shard"] = {{"index", 0}, {"count", 1}};
  json merged_info = info;
  merged_info["merged_from"] = a.dirs;
  CompletionLog merged = CompletionLog::open(a.out, merged_config, merged_info);
  int64_t errors = 0;
  for (const PlannedRequest& p : plan) {
    const LogRecord& r = owner.at(p.request.id)->contents.latest.at(p.request.id);
    errors += r.completion.finish_reason == inference::FinishReason::kError;
    merged.append(r);
  }
  RunIdentity identity{
      .engine = inference::EngineInfo{.backend = info.value("backend", ""),
                                      .model = config.value("model", ""),
                                      .details = info.value("engine_details",
                                                            std::map<std::string, std::string>{})},
      .sampling = sampling,
      .seed = seed,
      .command_line = {"boxed", "merge"}};
  for (const std::string& d : a.dirs) identity.command_line.push_back(d);
  const ScoreOptions options{.n_samples = samples, .include_text = !a.no_text, .fields = fields};
  const json report = score_log(tasks, merged.latest(), identity, options, a.out);
  fmt::print("merged {} shards: {} responses ({} errors) into {}\n", count, plan.size(), errors,
             merged.path().string());
  for (const reports::TaskReport& t : reports::report_from_json(report, "report").tasks) {
    const reports::ModeMetrics& p = t.primary();
    fmt::print("{}: pass@1 {}%, cons@{} {}% ({} problems x {} samples)\n", t.task,
               reports::percent(p.pass_at_1.value), t.n_samples, reports::percent(p.cons_at_n),
               t.n_problems, t.n_samples);
  }
  fmt::print("report: {}/report.md\n", a.out);
}

}  // namespace

void add_merge_command(CLI::App& app, int& /*exit_code*/) {
  auto a = std::make_shared<MergeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Combine the run directories of the shards of one `boxed run --shard I/N` into one\n"
      "completion log and one report in --out. Refuses shards run with different settings, a\n"
      "shard missing or given twice, a request logged by two shards (duplicate) or by none (gap).");
  cmd->add_option("dirs", a->dirs, "The shard run directories, one per shard")->required();
  cmd->add_option("--out", a->out, "New directory for the merged completions.jsonl and the "
                  "reports")->required();
  cmd->add_option("--dataset", a->datasets, "Dataset files in task order, when they are no longer "
                  "where the shards read them (their SHA-256 must match)");
  cmd->add_flag("--no-text", a->no_text, "Leave response text out of samples.jsonl");
  cmd->callback([a] { merge(*a); });
}

}  // namespace boxed::harness
