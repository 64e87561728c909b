// Grading: is the (untrusted) predicted answer equal to the (trusted) gold answer?
//
//   answers_equal("\\frac{1}{2}", "0.5", AnswerFormat::kMath)          // true
//   answers_equal("(1,2)", "\\{1,2\\}", AnswerFormat::kMath)            // false: tuple vs set
//   answers_equal("25", "025", AnswerFormat::kInteger)                  // true
//   answers_equal("C", "\\text{(C)}", AnswerFormat::kChoice)            // true
//
// The rules (normalisation, structural comparison, tolerance) are documented in
// metrics/math_equiv.h; every change to them bumps grader_version(), which every report carries.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/extract.h"

namespace boxed::metrics {

// Is the (untrusted) predicted answer equal to the (trusted) gold? `pred` is an extracted answer;
// a whole response is NOT accepted here (the grade command extracts first).
bool answers_equal(std::string_view gold, std::string_view pred, AnswerFormat format);

// The verdict with the rule that decided it, for audits (`boxed grade --explain`, the `rule`
// field of samples.jsonl): MATH rules are math_equiv.h's; integer answers give
// "integer_exact" (both plain numbers) or "integer_mismatch", else a MATH rule; choice answers
// "choice_letter" or "choice_unreadable".
struct Verdict {
  bool equal = false;
  std::string rule;
};
Verdict explain_equal(std::string_view gold, std::string_view pred, AnswerFormat format);

// A canonical spelling of `answer`, for display and grouping keys (majority voting): two answers
// with the same normalised form are equal, but equal answers may normalise differently
// ("0.5" and "\\frac12" both normalise to "1/2"; "x^2+2x+1" and "(x+1)^2" stay distinct).
std::string normalize_answer(std::string_view answer, AnswerFormat format);

// "boxed-grader/<n>"; bumped on any rule change so reports graded by different rules never mix.
std::string_view grader_version();

// One sample to grade: a whole response (extracted first) against its gold.
struct GradeItem {
  std::string_view gold;
  std::string_view response;
};
struct GradeResult {
  Extraction extraction;
  bool equal = false;
  std::string rule;  // explain_equal's rule; "no_answer" when nothing was extracted
};

// Extracts and grades every item, in parallel (oneTBB); results[i] belongs to items[i] and is the
// same whatever the thread count. Each result carries the deciding rule.
std::vector<GradeResult> grade_batch(std::span<const GradeItem> items, AnswerFormat format,
                                     ExtractMode mode);

}  // namespace boxed::metrics
