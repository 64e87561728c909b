// Loading a task's problems from a file, in the format its spec names, with an optional field
// mapping for JSONL files whose columns are named differently. The whole file is read and checked
// before anything is returned: a malformed line is an exception naming the file, the line and the
// field, and nothing is scored from a half-read file.
//
//   LoadedDataset d = load_dataset(*find_task("math500"), "math500/test.jsonl");
//   // d.problems.size() == 500, d.sha256 == "2a3f...", d.problems[0].attributes.at("level") == "2"
//
//   FieldMap fields = parse_field_mappings({"problem=question", "answer=final"});
//   LoadedDataset e = load_dataset(*find_task("aime24"), "mine.jsonl", fields);
//   LoadedDataset b = load_task_dataset(*find_task("aime24"), "");   // the built-in copy
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/problem.h"
#include "datasets/task.h"

namespace boxed::datasets {

// Canonical field -> the name it has in the file. Canonical fields: "id", "problem", "answer"
// (JSONL math) and "Question", "Correct Answer", "Incorrect Answer 1".."3" (GPQA), plus any
// breakdown attribute ("subject", "level").
using FieldMap = std::map<std::string, std::string>;

// Parses "canonical=in_file" strings (the CLI's repeated --field). Throws std::invalid_argument
// for a string without '=' or with an empty side, or for a canonical field given twice.
FieldMap parse_field_mappings(const std::vector<std::string>& mappings);

struct LoadedDataset {
  std::string path;
  std::string sha256;  // of the file's bytes, lower-case hex
  std::vector<Problem> problems;
};

// Reads the file once, hashes those bytes and parses them. JSONL for kMathJsonl; for kGpqa, a
// file ending in ".csv" is read as the official CSV, anything else as JSONL with the same column
// names. Throws std::runtime_error ("<file>:<line>: field '<f>': expected ..., found ...") on a
// missing or malformed field, a duplicate id, or an empty dataset.
LoadedDataset load_dataset(const TaskSpec& spec, const std::string& path,
                           const FieldMap& fields = {});

// The same parse over bytes already in memory; `label` stands for the path in messages and in
// LoadedDataset::path.
LoadedDataset load_dataset_bytes(const TaskSpec& spec, std::string_view bytes,
                                 const std::string& label, const FieldMap& fields = {});

// What `--dataset` means: a path reads that file; an empty path, or "built-in:<task>", reads the
// task's built-in copy (datasets/builtin.h; LoadedDataset::path "built-in:<task>"), and throws std::invalid_argument with
// missing_dataset_help() when the task has none.
LoadedDataset load_task_dataset(const TaskSpec& spec, const std::string& path,
                                const FieldMap& fields = {});

}  // namespace boxed::datasets
