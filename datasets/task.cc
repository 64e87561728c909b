#include "datasets/task.h"

#include <fmt/format.h>

#include <algorithm>

namespace boxed::datasets {
namespace {

// The math directive of the DeepSeek-R1 protocol: DeepSeek-R1 model card, "Usage
// Recommendations": "For mathematical problems, it is advisable to include a directive in your
// prompt such as: 'Please reason step by step, and put your final answer within \boxed{}.'", and
// "Avoid adding a system prompt; all instructions should be contained within the user prompt."
// The directive goes on the line after the problem, as in the Qwen2.5-Math and lighteval
// templates that the published R1-distill reproductions use.
constexpr const char* kMathTemplate =
    "{problem}\nPlease reason step by step, and put your final answer within \\boxed{}.";

// openai/simple-evals common.py, QUERY_TEMPLATE_MULTICHOICE (commit 83ed7640): the DeepSeek-R1
// paper (section 3.1) evaluates GPQA Diamond "using prompts from the simple-evals framework".
constexpr const char* kChoiceTemplate =
    "Answer the following multiple choice question. The last line of your response should be of "
    "the following format: 'Answer: $LETTER' (without quotes) where LETTER is one of ABCD. Think "
    "step by step before answering.\n\n{Question}\n\nA) {A}\nB) {B}\nC) {C}\nD) {D}";

constexpr const char* kR1Source =
    "DeepSeek-R1 paper (arXiv:2501.12948) section 3.1 and model card Usage Recommendations";

// Primary mode "strict" for math: the protocol asks for \boxed{} and the published R1 numbers are
// read from it. GPQA's simple-evals prompt asks for "Answer: $LETTER", which only the flexible
// (marker) extraction reads, so its primary mode is "flexible".
std::vector<TaskSpec> make_specs() {
  std::vector<TaskSpec> specs;
  specs.push_back({.name = "aime24",
                   .version = 1,
                   .display_name = "AIME 2024",
                   .description = "AIME 2024 I and II, 30 integer-answer problems",
                   .loader = LoaderKind::kMathJsonl,
                   .prompt_template = kMathTemplate,
                   .extractor = "integer",
                   .grader = "integer",
                   .primary_mode = "strict",
                   .breakdowns = {},
                   .shuffle_choices = false,
                   .source = kR1Source});
  specs.push_back({.name = "aime25",
                   .version = 1,
                   .display_name = "AIME 2025",
                   .description = "AIME 2025 I and II, 30 integer-answer problems",
                   .loader = LoaderKind::kMathJsonl,
                   .prompt_template = kMathTemplate,
                   .extractor = "integer",
                   .grader = "integer",
                   .primary_mode = "strict",
                   .breakdowns = {},
                   .shuffle_choices = false,
                   .source = kR1Source});
  specs.push_back(
      {.name = "math500",
       .version = 1,
       .display_name = "MATH-500",
       .description = "MATH-500 (PRM800K test split), 500 problems, by subject and level",
       .loader = LoaderKind::kMathJsonl,
       .prompt_template = kMathTemplate,
       .extractor = "math",
       .grader = "math_equiv",
       .primary_mode = "strict",
       .breakdowns = {"subject", "level"},
       .shuffle_choices = false,
       .source = kR1Source});
  specs.push_back(
      {.name = "gpqa_diamond",
       .version = 1,
       .display_name = "GPQA Diamond",
       .description = "GPQA Diamond, 198 four-choice questions, choices shuffled per question",
       .loader = LoaderKind::kGpqa,
       .prompt_template = kChoiceTemplate,
       .extractor = "choice",
       .grader = "choice",
       .primary_mode = "flexible",
       .breakdowns = {"High-level domain"},
       .shuffle_choices = true,
       .source = "openai/simple-evals (GPQA), as cited in DeepSeek-R1 paper section 3.1"});
  // AMC 2023 answers are integers stored as floats (27.0); math_equiv compares them numerically
  // and tolerates units and LaTeX around the number, which the integer grader would not.
  specs.push_back({.name = "amc23",
                   .version = 1,
                   .display_name = "AMC 2023",
                   .description = "AMC 12 2023 (A and B), 40 problems with integer answers",
                   .loader = LoaderKind::kMathJsonl,
                   .prompt_template = kMathTemplate,
                   .extractor = "math",
                   .grader = "math_equiv",
                   .primary_mode = "strict",
                   .breakdowns = {},
                   .shuffle_choices = false,
                   .source = kR1Source});
  // The built-in set of `boxed demo` (datasets/demo_set.h): each real task's protocol (template,
  // extractor, grader, primary mode) over a handful of problems written for boxed.
  const auto add_demo = [&specs](std::string_view base, std::string name, std::string display) {
    TaskSpec spec = *std::find_if(specs.begin(), specs.end(),
                                  [&](const TaskSpec& s) { return s.name == base; });
    spec.description = fmt::format("boxed demo: {}-style problems written for boxed", base);
    spec.name = std::move(name);
    spec.display_name = std::move(display);
    specs.push_back(std::move(spec));
  };
  add_demo("aime24", "demo_aime", "Demo (AIME-style)");
  add_demo("math500", "demo_math", "Demo (MATH-style)");
  add_demo("gpqa_diamond", "demo_gpqa", "Demo (GPQA-style)");
  return specs;
}

const std::vector<TaskSpec>& specs() {
  static const std::vector<TaskSpec> kSpecs = make_specs();
  return kSpecs;
}

}  // namespace

const TaskSpec* find_task(std::string_view name) {
  for (const TaskSpec& s : specs()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const TaskSpec& s : specs()) names.push_back(s.name);
  return names;
}

std::string spec_version(const TaskSpec& spec) {
  return fmt::format("{}/{}", spec.name, spec.version);
}

std::string_view to_string(LoaderKind kind) {
  switch (kind) {
    case LoaderKind::kMathJsonl:
      return "math_jsonl";
    case LoaderKind::kGpqa:
      return "gpqa";
  }
  return "math_jsonl";
}

}  // namespace boxed::datasets
