// Scoring: task spec + dataset + responses -> per-sample extraction and grading (both modes, in
// parallel) -> per-problem metrics -> RunReport -> report.json, samples.jsonl, report.md.
// Used by `boxed score` (responses from a JSONL file) and at the end of `boxed run` (responses
// from its completion log).
//
//   std::vector<CompletionRecord> done = read_completions_jsonl("completions.jsonl");
//   nlohmann::json report = score_and_write("aime24", "aime24/test.jsonl", done,
//                                           RunIdentity{.model = "R1-Distill-Qwen-1.5B"},
//                                           ScoreOptions{.n_samples = 64}, "out/");
//
// Errors (exceptions): unknown task (with "did you mean"), unknown extractor or grader name in a
// spec, a malformed dataset or completions line (file:line: field), a response for a problem the
// dataset lacks, a duplicate (problem, sample), and — unless allow_partial — a problem with fewer
// than n responses (the message names it). Per-response problems (no answer, truncation, a failed
// request) are counted in the report, never thrown.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/dataset.h"
#include "datasets/task.h"
#include "inference/engine.h"
#include "reports/run_report.h"

namespace boxed::harness {

// One response. `problem_id` is compared as a string with the dataset's ids.
struct CompletionRecord {
  std::string problem_id;
  int sample = 0;  // 0-based sample index within the problem
  std::string text;
  std::string finish_reason = "stop";  // "stop" | "length" | "error" (inference::to_string)
  int64_t completion_tokens = 0;
};

struct ScoreOptions {
  int n_samples = 0;           // responses per problem; 0 = infer (then equal across problems)
  bool allow_partial = false;  // score problems with fewer than n responses, marked partial
  bool include_text = true;    // responses' text in samples.jsonl
  std::string tie_policy = "expected";  // cons@n ties: "expected" | "first_seen"
  uint64_t bootstrap_seed = 0;
  int bootstrap_resamples = 1000;
  datasets::FieldMap fields;  // dataset field mapping (`--field problem=question`)
};

// What the caller knows about how the responses were produced; goes into the report manifest.
struct RunIdentity {
  std::optional<inference::EngineInfo> engine;      // model, backend, details
  std::optional<inference::SamplingParams> sampling;
  uint64_t seed = 0;  // run seed: GPQA choice shuffles derive from it, so it must be the run's
  std::vector<std::string> command_line;
  double generation_seconds = 0;
};

// Resolves a task name; throws std::invalid_argument "unknown task 'x'; did you mean 'y'? ...".
const datasets::TaskSpec& resolve_task(std::string_view name);

// Reads `{"problem_id": .., "sample": i, "text": .., "finish_reason"?: .., "tokens"?: ..}` lines
// (`completion_tokens` is accepted for `tokens`; a numeric problem_id is read as its string).
// Throws on a malformed line, naming file, line and field; a torn last line is an error too.
std::vector<CompletionRecord> read_completions_jsonl(const std::string& path);

// Scores one task's responses against a loaded dataset.
reports::TaskReport score_task(const datasets::TaskSpec& spec,
                               const datasets::LoadedDataset& dataset,
                               std::span<const CompletionRecord> completions,
                               const RunIdentity& identity, const ScoreOptions& options,
                               std::vector<reports::SampleRow>* samples_out);

// A float as the double its shortest decimal form names (0.6f -> 0.6, not 0.6000000238418579),
// so sampling parameters read in reports and logs as they were typed.
double shortest_decimal(float value);

// The manifest for `identity` (version, grader version, date, host filled in here).
reports::Manifest make_manifest(const RunIdentity& identity);

// Writes report.json, samples.jsonl and report.md into out_dir (created if needed), each
// atomically.
void write_report_files(const reports::RunReport& report, const std::filesystem::path& out_dir,
                        bool include_text);

// The whole pipeline for one task: resolve, load, score, write. Returns report.json's content.
nlohmann::json score_and_write(const std::string& task, const std::string& dataset_path,
                               std::span<const CompletionRecord> completions,
                               const RunIdentity& identity, const ScoreOptions& options,
                               const std::filesystem::path& out_dir);

// Several tasks into one report (e.g. `boxed run --task aime24,math500`).
struct TaskCompletions {
  std::string task;
  std::string dataset_path;
  std::vector<CompletionRecord> completions;
};
nlohmann::json score_and_write(std::span<const TaskCompletions> tasks, const RunIdentity& identity,
                               const ScoreOptions& options, const std::filesystem::path& out_dir);

// The requests-side view of a task for `boxed run` / `boxed prompts`: every problem's messages
// (as engine Messages) and gold, under the run seed.
struct TaskPrompt {
  std::string problem_id;
  std::vector<inference::Message> messages;
  std::string gold;
  std::vector<int> choice_order;
};
std::vector<TaskPrompt> build_task_prompts(const datasets::TaskSpec& spec,
                                           const datasets::LoadedDataset& dataset,
                                           uint64_t run_seed);

}  // namespace boxed::harness
