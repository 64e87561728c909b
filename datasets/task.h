// Task specs: one declarative, versioned description per evaluation task — which loader reads its
// file, the prompt template, and the extractor and grader by name (resolved by the harness against
// metrics/registry.h, with "did you mean" on a typo).
//
//   const TaskSpec* spec = find_task("aime24");   // nullptr for an unknown name
//   std::string v = spec_version(*spec);          // "aime24/1", recorded in every report
//
// Bump `version` whenever anything that changes a score changes: template, loader, extractor,
// grader or primary extraction mode.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace boxed::datasets {

enum class LoaderKind {
  kMathJsonl,  // JSONL with a problem text and an answer (AIME, AMC, MATH-500, any mapped JSONL)
  kGpqa,       // GPQA: the official CSV columns, or JSONL with the same column names
};

struct TaskSpec {
  std::string name;          // "aime24"
  int version = 1;
  std::string display_name;  // "AIME 2024": column heading of `boxed table`
  std::string description;
  LoaderKind loader = LoaderKind::kMathJsonl;
  // The user message. Math: "{problem}" is replaced by the problem text. Choice: "{Question}",
  // "{A}".."{D}" by the question and the shuffled choices.
  std::string prompt_template;
  std::string extractor;     // metrics registry name: "math", "integer", "choice"
  std::string grader;        // metrics registry name: "math_equiv", "integer", "choice"
  // Which extraction mode gives the task's headline numbers ("strict" = \boxed{} only,
  // "flexible" = boxed, else answer markers); both are always reported.
  std::string primary_mode;
  std::vector<std::string> breakdowns;  // Problem::attributes keys to break results down by
  bool shuffle_choices = false;          // multiple choice: per-question seeded shuffle
  std::string source;                    // where the protocol comes from (for the report)
};

// nullptr when no task has that name.
const TaskSpec* find_task(std::string_view name);
// All task names, in the order of the DeepSeek-R1 distilled-model table, then the rest.
std::vector<std::string> task_names();
// "<name>/<version>".
std::string spec_version(const TaskSpec& spec);
std::string_view to_string(LoaderKind kind);  // "math_jsonl", "gpqa"

}  // namespace boxed::datasets
