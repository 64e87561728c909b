#include "harness/run_setup.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <stdexcept>

#include "datasets/task.h"
#include "reports/run_report.h"

namespace boxed::harness {

std::vector<TaskInput> pair_tasks(const std::vector<std::string>& tasks,
                                  const std::vector<std::string>& datasets) {
  std::vector<TaskInput> out;
  std::set<std::string> seen;
  for (const std::string& task : tasks) {
    if (!seen.insert(task).second) {
      throw std::invalid_argument(fmt::format("task '{}' is named twice", task));
    }
    out.push_back({task, ""});
  }
  // TASK=FILE when the part before '=' is one of the tasks; anything else is a plain file.
  std::vector<std::string> plain;
  for (const std::string& d : datasets) {
    const size_t eq = d.find('=');
    const std::string task = eq == std::string::npos ? "" : d.substr(0, eq);
    auto it = std::find_if(out.begin(), out.end(), [&](const TaskInput& t) { return t.task == task; });
    if (it == out.end()) {
      plain.push_back(d);
    } else {
      it->dataset_path = d.substr(eq + 1);
    }
  }
  if (!plain.empty() && plain.size() != tasks.size()) {
    throw std::invalid_argument(fmt::format(
        "{} task(s) but {} --dataset file(s): give one --dataset per task, in --task order, or "
        "TASK=FILE for some tasks, or none to use the built-in datasets",
        tasks.size(), plain.size()));
  }
  for (size_t i = 0; i < plain.size(); ++i) out[i].dataset_path = plain[i];
  return out;
}

RunTasks load_run_tasks(const std::vector<TaskInput>& inputs, const LoadOptions& options) {
  if (options.limit < 0) {
    throw std::invalid_argument(fmt::format("--limit must be >= 0, found {}", options.limit));
  }
  RunTasks run{.inputs = inputs, .config = nlohmann::json::array()};
  for (const TaskInput& input : inputs) {
    const datasets::TaskSpec& spec = resolve_task(input.task);
    datasets::LoadedDataset data =
        datasets::load_task_dataset(spec, input.dataset_path, options.fields);
    if (options.limit > 0 && data.problems.size() > static_cast<size_t>(options.limit)) {
      data.problems.resize(static_cast<size_t>(options.limit));
    }
    for (TaskPrompt& p : build_task_prompts(spec, data, options.seed)) {
      RunProblem problem{.task = spec.name, .problem_id = p.problem_id,
                         .messages = std::move(p.messages)};
      if (options.render_prompt) problem.prompt = options.render_prompt(problem.messages);
      run.problems.push_back(std::move(problem));
    }
    run.config.push_back({{"task", spec.name},
                          {"spec_version", datasets::spec_version(spec)},
                          {"dataset_sha256", data.sha256},
                          {"prompt_template", spec.prompt_template}});
    run.specs.push_back(&spec);
    run.datasets.push_back(std::move(data));
  }
  return run;
}

nlohmann::json score_log(const RunTasks& tasks, const std::map<std::string, LogRecord>& latest,
                         const RunIdentity& identity, const ScoreOptions& options,
                         const std::filesystem::path& out_dir) {
  const auto start = std::chrono::steady_clock::now();
  std::map<std::string, std::vector<CompletionRecord>> by_task;
  std::set<std::pair<std::string, std::string>> known;
  for (const RunProblem& p : tasks.problems) known.emplace(p.task, p.problem_id);
  for (const auto& [id, r] : latest) {
    if (!known.contains({r.task, r.problem_id})) {
      throw std::runtime_error(fmt::format(
          "the log has a response for '{}', a problem this run's tasks and --limit do not include",
          id));
    }
    by_task[r.task].push_back(CompletionRecord{
        .problem_id = r.problem_id,
        .sample = r.sample,
        .text = r.completion.text,
        .finish_reason = std::string(inference::to_string(r.completion.finish_reason)),
        .completion_tokens = r.completion.completion_tokens});
  }
  reports::RunReport report;
  report.manifest = make_manifest(identity);
  for (size_t i = 0; i < tasks.specs.size(); ++i) {
    report.tasks.push_back(score_task(*tasks.specs[i], tasks.datasets[i],
                                      by_task[tasks.specs[i]->name], identity, options,
                                      &report.samples));
  }
  report.manifest.scoring_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_report_files(report, out_dir, options.include_text);
  return reports::to_json(report);
}

}  // namespace boxed::harness
