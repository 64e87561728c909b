// Names of extractors and graders as dataset task specs write them; the harness resolves them at
// start-up (and suggests the nearest name on a typo).
//
//   auto grader = find_grader("math_equiv");        // std::optional<Grader>
//   bool ok = (*grader)("\\frac12", "0.5");         // true
//   auto ex = find_extractor("integer");
//   Extraction e = (*ex)(response, ExtractMode::kFlexible);
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/extract.h"
#include "metrics/grade.h"

namespace boxed::metrics {

using Extractor = std::function<Extraction(std::string_view response, ExtractMode mode)>;
using Grader = std::function<bool(std::string_view gold, std::string_view pred)>;
// A grader that also names the rule that decided (grade.h explain_equal), for samples.jsonl.
using Explainer = std::function<Verdict(std::string_view gold, std::string_view pred)>;

std::optional<Extractor> find_extractor(std::string_view name);  // "math", "integer", "choice"
std::optional<Grader> find_grader(std::string_view name);        // "math_equiv", "integer", "choice"
std::optional<Explainer> find_explainer(std::string_view name);  // the same names
std::vector<std::string> extractor_names();
std::vector<std::string> grader_names();

// The answer format a task name implies for the CLI: "math" -> kMath, "aime" -> kInteger,
// "gpqa" -> kChoice.
std::optional<AnswerFormat> format_for_task(std::string_view task);
std::vector<std::string> task_format_names();

}  // namespace boxed::metrics
