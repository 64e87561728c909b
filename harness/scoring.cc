#include "harness/scoring.h"

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <stdexcept>

#include "build_info.h"
#include "datasets/jsonl_reader.h"
#include "datasets/prompt.h"
#include "harness/suggest.h"
#include "metrics/grade.h"
#include "metrics/registry.h"
#include "reports/report_files.h"

namespace boxed::harness {

const datasets::TaskSpec& resolve_task(std::string_view name) {
  if (const datasets::TaskSpec* spec = datasets::find_task(name)) return *spec;
  const std::vector<std::string> names = datasets::task_names();
  throw std::invalid_argument(unknown_name_message("task", name, names));
}

std::vector<CompletionRecord> read_completions_jsonl(const std::string& path) {
  const datasets::JsonlContents contents = datasets::read_jsonl(path);
  if (contents.torn_tail) {
    throw std::runtime_error(fmt::format(
        "{}: the last line (at byte {}) is incomplete; refusing to score a half-written file", path,
        contents.torn_tail_offset));
  }
  std::vector<CompletionRecord> out;
  out.reserve(contents.records.size());
  for (const datasets::JsonlRecord& r : contents.records) {
    const nlohmann::json& j = r.value;
    auto fail = [&](std::string_view field, std::string_view expected, const nlohmann::json* found) {
      throw std::runtime_error(fmt::format("{}:{}: field '{}': expected {}, found {}", path, r.line, field,
                                           expected, found ? found->type_name() : "nothing"));
    };
    CompletionRecord c;
    const auto id = j.find("problem_id");
    if (id == j.end()) fail("problem_id", "a string or an integer", nullptr);
    if (id->is_string()) {
      c.problem_id = id->get<std::string>();
    } else if (id->is_number_integer()) {
      c.problem_id = id->is_number_unsigned() ? std::to_string(id->get<uint64_t>())
                                              : std::to_string(id->get<int64_t>());
    } else {
      fail("problem_id", "a string or an integer", &*id);
    }
    const auto sample = j.find("sample");
    if (sample == j.end() || !sample->is_number_integer() || sample->get<int64_t>() < 0) {
      fail("sample", "a non-negative integer", sample == j.end() ? nullptr : &*sample);
    }
    c.sample = sample->get<int>();
    const auto text = j.find("text");
    if (text == j.end() || !text->is_string()) fail("text", "a string", text == j.end() ? nullptr : &*text);
    c.text = text->get<std::string>();
    if (const auto fr = j.find("finish_reason"); fr != j.end() && !fr->is_null()) {
      if (!fr->is_string()) fail("finish_reason", "\"stop\", \"length\" or \"error\"", &*fr);
      const auto reason = inference::parse_finish_reason(fr->get<std::string>());
      if (!reason) {
        throw std::runtime_error(fmt::format("{}:{}: field 'finish_reason': expected \"stop\", \"length\" or "
                                             "\"error\", found \"{}\"", path, r.line, fr->get<std::string>()));
      }
      c.finish_reason = std::string(inference::to_string(*reason));
    }
    for (const char* key : {"tokens", "completion_tokens"}) {
      if (const auto t = j.find(key); t != j.end() && !t->is_null()) {
        if (!t->is_number_integer() || t->get<int64_t>() < 0) fail(key, "a non-negative integer", &*t);
        c.completion_tokens = t->get<int64_t>();
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<TaskPrompt> build_task_prompts(const datasets::TaskSpec& spec,
                                           const datasets::LoadedDataset& dataset, uint64_t run_seed) {
  std::vector<TaskPrompt> out;
  out.reserve(dataset.problems.size());
  for (const datasets::Problem& p : dataset.problems) {
    datasets::Prompt prompt = datasets::build_prompt(spec, p, run_seed);
    TaskPrompt t{.problem_id = prompt.problem_id, .messages = {}, .gold = prompt.gold,
                 .choice_order = prompt.choice_order};
    for (datasets::ChatMessage& m : prompt.messages) t.messages.push_back({m.role, std::move(m.content)});
    out.push_back(std::move(t));
  }
  return out;
}

double shortest_decimal(float value) { return std::stod(fmt::format("{}", value)); }

reports::Manifest make_manifest(const RunIdentity& identity) {
  reports::Manifest m;
  m.boxed_version = build_info::kVersion;
  m.grader_version = std::string(metrics::grader_version());
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);
  m.created_at = date;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) m.host = host;
  if (identity.engine) {
    m.model = identity.engine->model;
    m.backend = identity.engine->backend;
    m.engine_details = identity.engine->details;
  }
  if (identity.sampling) {
    const inference::SamplingParams& s = *identity.sampling;
    m.sampling = {{"temperature", shortest_decimal(s.temperature)},
                  {"top_p", shortest_decimal(s.top_p)}, {"top_k", s.top_k},
                  {"min_p", shortest_decimal(s.min_p)}, {"max_tokens", s.max_tokens}, {"stop", s.stop}};
  }
  m.seed = identity.seed;
  m.command_line = identity.command_line;
  m.generation_seconds = identity.generation_seconds;
  return m;
}

void write_report_files(const reports::RunReport& report, const std::filesystem::path& out_dir,
                        bool include_text) {
  reports::write_run_report(report, out_dir, include_text);
}

nlohmann::json score_and_write(std::span<const TaskCompletions> tasks, const RunIdentity& identity,
                               const ScoreOptions& options, const std::filesystem::path& out_dir) {
  const auto start = std::chrono::steady_clock::now();
  reports::RunReport report;
  report.manifest = make_manifest(identity);
  // Resolve every name and load every dataset before scoring anything: fail fast.
  std::vector<const datasets::TaskSpec*> specs;
  std::vector<datasets::LoadedDataset> data;
  for (const TaskCompletions& t : tasks) {
    specs.push_back(&resolve_task(t.task));
    data.push_back(datasets::load_task_dataset(*specs.back(), t.dataset_path, options.fields));
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    report.tasks.push_back(score_task(*specs[i], data[i], tasks[i].completions, identity, options, &report.samples));
  }
  report.manifest.scoring_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_report_files(report, out_dir, options.include_text);
  return reports::to_json(report);
}

nlohmann::json score_and_write(const std::string& task, const std::string& dataset_path,
                               std::span<const CompletionRecord> completions, const RunIdentity& identity,
                               const ScoreOptions& options, const std::filesystem::path& out_dir) {
  const TaskCompletions one{.task = task, .dataset_path = dataset_path,
                            .completions = std::vector<CompletionRecord>(completions.begin(), completions.end())};
  return score_and_write(std::span<const TaskCompletions>(&one, 1), identity, options, out_dir);
}

}  // namespace boxed::harness
