// One fuzz iteration of the dataset loaders with field mapping, shared by the libFuzzer target
// (dataset_fuzz.cc) and the replay test (tests/datasets/fuzz_replay_test.cc). The input is
//   line 1   field mappings as --field takes them, comma-separated ("problem=question,id=idx");
//   a byte   the task: aime24 (integer JSONL), math500 (JSONL with breakdowns), gpqa_diamond as
//            JSONL, gpqa_diamond as the official CSV;
//   the rest the dataset file's bytes: load_dataset_bytes, then every problem's prompt is built.
// A bad mapping must end in std::invalid_argument (parse_field_mappings), a bad file in
// std::runtime_error naming the file and line (dataset.h); a loaded dataset must give a prompt for
// every problem (it was "read and checked before anything is returned").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "datasets/dataset.h"
#include "datasets/prompt.h"
#include "datasets/task.h"
#include "tests/fuzz/fuzz_support.h"

namespace boxed::fuzz {

inline void fuzz_dataset_once(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  std::vector<std::string> mappings;
  const std::string_view line = in.take_line();
  for (size_t at = 0; at < line.size();) {
    const size_t comma = std::min(line.find(',', at), line.size());
    mappings.emplace_back(line.substr(at, comma - at));
    at = comma + 1;
  }
  struct Choice { const char* task; const char* label; };
  static constexpr std::array<Choice, 4> kTasks = {{{"aime24", "fuzz.jsonl"},
                                                    {"math500", "fuzz.jsonl"},
                                                    {"gpqa_diamond", "fuzz.jsonl"},
                                                    {"gpqa_diamond", "fuzz.csv"}}};
  const Choice& choice = kTasks[in.take_byte() % kTasks.size()];
  const datasets::TaskSpec& spec = *datasets::find_task(choice.task);
  datasets::FieldMap fields;
  try {
    fields = datasets::parse_field_mappings(mappings);
  } catch (const std::invalid_argument&) {
    return;
  }
  try {
    const datasets::LoadedDataset d = datasets::load_dataset_bytes(spec, in.rest(), choice.label, fields);
    for (const datasets::Problem& p : d.problems) (void)datasets::build_prompt(spec, p, /*run_seed=*/7);
  } catch (const std::runtime_error&) {
  }
}

}  // namespace boxed::fuzz
