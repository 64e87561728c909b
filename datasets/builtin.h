// The datasets built into the boxed binary, so `boxed run --task aime24,math500 --model M` needs
// no file: the public sets AIME 2024, AIME 2025, AMC 2023 and MATH-500, committed under
// datasets/builtin/<task>/ with a SOURCE.md naming their origin, licence and SHA-256, and
// embedded at build time by cmake/embed_file.cmake (the bytes of the committed file, unchanged).
// The demo tasks' problem sets (datasets/demo_set.h) are built in as well.
//
//   if (const BuiltinDataset* b = find_builtin("aime24")) parse(b->bytes);  // 30 problems
//   std::string why = missing_dataset_help(*find_task("gpqa_diamond"));     // where to get it
//
// GPQA Diamond is deliberately absent: its authors ask that the questions never be published in
// plain text (its Hugging Face dataset card), so it is read from the user's own copy.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "datasets/task.h"

namespace boxed::datasets {

struct BuiltinDataset {
  std::string_view task;     // "aime24"
  std::string_view file;     // where the bytes come from: "datasets/builtin/aime24/test.jsonl"
  std::string_view sha256;   // of `bytes`, lower-case hex, as recorded in SOURCE.md
  std::string_view source;   // upstream repository, path and commit
  std::string_view license;  // licence of the file (and of the problems)
  std::string_view bytes;    // the file's exact contents
};

// Every built-in dataset, real tasks first, then the demo sets.
std::span<const BuiltinDataset> builtin_datasets();
// nullptr when the task has no built-in copy.
const BuiltinDataset* find_builtin(std::string_view task);

// The message for a task run without --dataset that has no built-in copy: where to obtain the
// official file and which formats boxed reads.
std::string missing_dataset_help(const TaskSpec& spec);

}  // namespace boxed::datasets
