// What `boxed run` and `boxed merge` share: loading a run's tasks into problems and the config
// record its completion log carries, and scoring a completion log into the reports.
//
//   RunTasks tasks = load_run_tasks({{"aime24", "aime24/test.jsonl"}}, {.seed = 0, .limit = 0});
//   std::vector<PlannedRequest> plan = plan_requests(tasks.problems, 64, sampling, 0, shard);
//   ...
//   score_log(tasks, log.latest(), identity, score_options, out_dir);
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "datasets/dataset.h"
#include "harness/completion_log.h"
#include "harness/runner.h"
#include "harness/scoring.h"

namespace boxed::harness {

struct TaskInput {
  std::string task;
  std::string dataset_path;
};

// Pairs `--task a,b` with `--dataset` values. None: every task reads its built-in copy. Either
// one file per task, in --task order, or TASK=FILE for the tasks that should not use their
// built-in copy. An empty dataset_path means the built-in copy (datasets::load_task_dataset).
// Throws std::invalid_argument when plain files and tasks differ in number, or TASK=FILE names
// a task not in the list.
std::vector<TaskInput> pair_tasks(const std::vector<std::string>& tasks,
                                  const std::vector<std::string>& datasets);

struct LoadOptions {
  uint64_t seed = 0;             // run seed (GPQA shuffles derive from it)
  int limit = 0;                 // first N problems of each task; 0 = all
  datasets::FieldMap fields;
  // Fills RunProblem::prompt from the messages (raw-prompt mode); empty = leave it empty.
  std::function<std::string(const std::vector<inference::Message>&)> render_prompt;
};

struct RunTasks {
  std::vector<TaskInput> inputs;
  std::vector<datasets::LoadedDataset> datasets;  // truncated to the limit
  std::vector<const datasets::TaskSpec*> specs;
  std::vector<RunProblem> problems;               // every task's problems, in order
  nlohmann::json config;  // [{"task", "spec_version", "dataset_sha256", "prompt_template"}]
};

// Resolves every task (unknown → "did you mean") and loads every dataset before anything runs.
RunTasks load_run_tasks(const std::vector<TaskInput>& inputs, const LoadOptions& options);

// Scores the latest record of each planned id. Records of problems beyond the limit are not in
// `tasks`, so they cannot be scored; records for other ids are refused as a foreign log.
nlohmann::json score_log(const RunTasks& tasks, const std::map<std::string, LogRecord>& latest,
                         const RunIdentity& identity, const ScoreOptions& options,
                         const std::filesystem::path& out_dir);

}  // namespace boxed::harness
