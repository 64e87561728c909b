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
#include "reports/json_reader.h"
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

// The settings merge needs from a log header's "config", each checked, so that a log edited or
// written by something else is refused with its file and field ("<log>: header config.shard.count:
// expected an integer, found string") and never with a bare JSON library message.
struct HeaderConfig {
  int shard_index = 0;
  int shard_count = 1;
  std::vector<std::string> tasks;
  uint64_t seed = 0;
  int limit = 0;
  inference::SamplingParams sampling;
  int samples = 1;
};

// obj[key] as a string: "" when obj is not an object or has no such key, an error naming the
// field when it is not a string.
std::string optional_string(const json& obj, const std::string& key, const std::string& where) {
  if (!obj.is_object() || !obj.contains(key)) return "";
  const json& v = obj.at(key);
  if (!v.is_string()) {
    throw std::runtime_error(fmt::format("{}.{}: expected a string, found {}", where, key, v.type_name()));
  }
  return v.get<std::string>();
}

HeaderConfig read_header_config(const json& config, const std::string& log) {
  const reports::JsonReader r(log);
  const std::string top = "header config";
  const json& shard = r.at(config, "shard", top);
  HeaderConfig h{.shard_index = r.get<int>(shard, "index", top + ".shard"),
                 .shard_count = r.get<int>(shard, "count", top + ".shard")};
  if (h.shard_count < 1 || h.shard_index < 0 || h.shard_index >= h.shard_count) {
    throw std::runtime_error(fmt::format("{}: header config.shard: expected 0 <= index < count, "
                                         "found {}/{}", log, h.shard_index, h.shard_count));
  }
  const json& tasks = r.at(config, "tasks", top);
  if (!tasks.is_array() || tasks.empty()) r.fail(top + ".tasks", "a non-empty array", tasks);
  for (size_t i = 0; i < tasks.size(); ++i) {
    h.tasks.push_back(r.get<std::string>(tasks[i], "task", fmt::format("{}.tasks.{}", top, i)));
  }
  h.seed = r.get<uint64_t>(config, "seed", top);
  h.limit = r.get<int>(config, "limit", top);
  const json& s = r.at(config, "sampling", top);
  const std::string sp = top + ".sampling";
  h.sampling = {.temperature = r.get<float>(s, "temperature", sp), .top_p = r.get<float>(s, "top_p", sp),
                .top_k = r.get<int>(s, "top_k", sp), .min_p = r.get<float>(s, "min_p", sp),
                .max_tokens = r.get<int>(s, "max_tokens", sp)};
  h.samples = r.get<int>(config, "samples", top);
  if (h.samples < 1) r.fail(top + ".samples", "a positive integer", config.at("samples"));
  return h;
}

void merge(const MergeArgs& a) {
  std::vector<ShardLog> logs;
  for (const std::string& dir : a.dirs) {
    ShardLog s{.dir = dir, .contents = read_completion_log(fs::path(dir) / kCompletionLogName)};
    logs.push_back(std::move(s));
  }
  const auto log_name = [](const ShardLog& s) { return (fs::path(s.dir) / kCompletionLogName).string(); };
  const json& config = logs.front().contents.header.at("config");  // (read_completion_log checked it is there)
  const HeaderConfig first = read_header_config(config, log_name(logs.front()));
  const int count = first.shard_count;
  std::map<int, std::string> shard_dirs;
  for (ShardLog& s : logs) {
    const json& c = s.contents.header.at("config");
    const HeaderConfig h = read_header_config(c, log_name(s));
    const auto diffs = config_differences(without_shard(config), without_shard(c));
    if (!diffs.empty()) {
      throw std::runtime_error(fmt::format("{} and {} were run with different settings:\n  {}",
                                           logs.front().dir, s.dir, fmt::join(diffs, "\n  ")));
    }
    s.index = h.shard_index;
    const int n = h.shard_count;
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

  // The run's full plan, from the datasets the shards were run on (or --dataset overrides). Every
  // header value is read (and refused with its field) before anything is written.
  const std::string first_log = log_name(logs.front());
  const json& header = logs.front().contents.header;
  const json info = header.contains("info") ? header.at("info") : json::object();
  const json datasets_info = info.is_object() && info.contains("datasets") ? info.at("datasets") : json::object();
  std::vector<TaskInput> inputs;
  for (size_t i = 0; i < first.tasks.size(); ++i) {
    const std::string& task = first.tasks[i];
    const std::string path = i < a.datasets.size()
                                 ? a.datasets[i]
                                 : optional_string(datasets_info, task, first_log + ": header info.datasets");
    inputs.push_back({task, path});
  }
  datasets::FieldMap fields;
  try {
    fields = config.value("fields", datasets::FieldMap{});
  } catch (const json::exception&) {
    throw std::runtime_error(fmt::format("{}: header config.fields: expected an object of strings, found {}",
                                         first_log, config.at("fields").dump().substr(0, 80)));
  }
  const std::string backend = optional_string(info, "backend", first_log + ": header info");
  const std::string model = optional_string(config, "model", first_log + ": header config");
  std::map<std::string, std::string> engine_details;
  if (info.is_object() && info.contains("engine_details")) {
    try {
      engine_details = info.at("engine_details").get<std::map<std::string, std::string>>();
    } catch (const json::exception&) {
      throw std::runtime_error(fmt::format("{}: header info.engine_details: expected an object of strings",
                                           first_log));
    }
  }
  const RunTasks tasks = load_run_tasks(
      inputs, {.seed = first.seed, .limit = first.limit, .fields = fields});
  if (tasks.config != config.at("tasks")) {
    throw std::runtime_error(fmt::format(
        "the datasets found now differ from those the shards were run on:\n  {}",
        fmt::join(config_differences(config.at("tasks"), tasks.config), "\n  ")));
  }
  const inference::SamplingParams sampling = first.sampling;
  const int samples = first.samples;
  const uint64_t seed = first.seed;
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
  json merged_info = info.is_object() ? info : json::object();
  merged_info["merged_from"] = a.dirs;
  CompletionLog merged = CompletionLog::open(a.out, merged_config, merged_info);
  int64_t errors = 0;
  for (const PlannedRequest& p : plan) {
    const LogRecord& r = owner.at(p.request.id)->contents.latest.at(p.request.id);
    errors += r.completion.finish_reason == inference::FinishReason::kError;
    merged.append(r);
  }
  RunIdentity identity{
      .engine = inference::EngineInfo{.backend = backend, .model = model, .details = engine_details},
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
