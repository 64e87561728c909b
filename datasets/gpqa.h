// Loader for GPQA (Rein et al., "GPQA: A Graduate-Level Google-Proof Q&A Benchmark", 2023) in the
// layout of the official release (github.com/idavidrein/gpqa, gpqa_diamond.csv): columns
// "Question", "Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3",
// "Record ID" (among many others). The same column names are accepted as JSONL keys (HF exports).
//
//   std::vector<Problem> ps = load_gpqa(text, "gpqa_diamond.csv", {});
//   // ps[0].choices == {correct, incorrect 1, incorrect 2, incorrect 3}; ps[0].answer == correct
//
// Fields are trimmed of surrounding whitespace (the release has trailing newlines in some cells).
// Breakdown attribute: "High-level domain" (Physics, Chemistry, Biology) when present.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "datasets/dataset.h"
#include "datasets/problem.h"

namespace boxed::datasets {

// `csv` selects the CSV parser; otherwise the text is JSONL. Throws std::runtime_error naming file,
// line and column on a missing or empty field, a duplicate id, or an empty file.
std::vector<Problem> load_gpqa(std::string_view text, const std::string& file, const FieldMap& fields,
                               bool csv);

}  // namespace boxed::datasets
