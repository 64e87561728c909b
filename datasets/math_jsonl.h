// Loader for math datasets published as JSON Lines: AIME 2024 (id, problem, answer as a string
// with leading zeros: "025"), AIME 2025 (answer an integer, id a string), AMC 2023 (answer a float:
// 27.0), MATH-500 (problem, solution, answer, subject, level, unique_id) and any JSONL whose fields
// are named differently, through a FieldMap.
//
//   std::vector<Problem> ps = load_math_jsonl(text, "aime24.jsonl", {}, {"subject", "level"});
//
// Fields: problem <- "problem" | "question"; answer <- "answer"; id <- "id" | "unique_id" | "idx"
// | "Record ID", else the line number. A mapping (`{"problem": "q"}`) replaces the candidates.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "datasets/dataset.h"
#include "datasets/problem.h"

namespace boxed::datasets {

// Field names tried, in order, for the problem id when no mapping names one.
const std::vector<std::string>& default_id_fields();

// Throws std::runtime_error "<file>:<line>: field '<f>': ..." on the first bad record; also on a
// duplicate id and on a file without records.
std::vector<Problem> load_math_jsonl(std::string_view text, const std::string& file,
                                     const FieldMap& fields,
                                     const std::vector<std::string>& attribute_fields);

}  // namespace boxed::datasets
