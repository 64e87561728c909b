// One evaluation problem as every loader returns it, whatever the file format: the dataset's own
// id, the question text, the gold answer as a string, the choices of a multiple-choice question
// and the attributes a report breaks results down by (MATH-500: subject, level).
//
//   for (const Problem& p : load_dataset(spec, "aime24.jsonl").problems) use(p.id, p.answer);
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace boxed::datasets {

struct Problem {
  // The dataset's own id (fields `id`, `unique_id`, `idx`, `Record ID`, or the one named by a
  // field mapping), always as a string so that 60 in a dataset matches "60" in a completions
  // file; else the 1-based line (JSONL) or record (CSV) number.
  std::string id;
  std::string question;
  // Gold answer. Strings are kept as written ("025" stays "025": the grader compares integers);
  // JSON numbers are written without a spurious ".0" (AMC23 stores 27.0 for 27).
  std::string answer;
  // Multiple choice only: the correct answer first, then the incorrect ones in dataset order
  // (GPQA CSV columns "Correct Answer", "Incorrect Answer 1..3"). The letters a model sees come
  // from a per-question shuffle (datasets/choice_shuffle.h).
  std::vector<std::string> choices;
  // Breakdown attributes present in the file, e.g. {"subject": "Algebra", "level": "3"}.
  std::map<std::string, std::string> attributes;
  int64_t line = 0;  // where the problem starts in its file (1-based), for messages
};

}  // namespace boxed::datasets
