// JSONL in and out for `boxed extract` and `boxed grade`: reads every line of FILE (or stdin for
// "-") as a JSON object, keeps key order so that the lines come back as they went in plus the
// added fields, and resolves --task / --mode names with a "did you mean".
//
//   auto rows = read_jsonl_objects("samples.jsonl");   // throws with file:line on a bad line
//   AnswerFormat f = task_format("aime");               // kInteger
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "metrics/extract.h"

namespace boxed::harness {

struct JsonlRow {
  std::size_t line = 0;  // 1-based line number in the input
  nlohmann::ordered_json value;
};

// Blank lines are skipped. Throws std::runtime_error "<file>:<line>: ..." on invalid JSON or a
// line that is not an object.
std::vector<JsonlRow> read_jsonl_objects(const std::string& path);

// The string field `name` of a row; throws "<file>:<line>: field 'name': expected a string,
// found <type>" when it is missing or not a string.
std::string string_field(const JsonlRow& row, const std::string& path, const char* name);

// "math" | "aime" | "gpqa"; throws std::invalid_argument with a did-you-mean otherwise.
metrics::AnswerFormat task_format(const std::string& task);
// "strict" | "flexible"; throws std::invalid_argument with a did-you-mean otherwise.
metrics::ExtractMode extract_mode(const std::string& mode);

}  // namespace boxed::harness
