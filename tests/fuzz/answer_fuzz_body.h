// One fuzz iteration of answer extraction and grading on arbitrary text, shared by the libFuzzer
// target (answer_fuzz.cc) and the replay test (tests/metrics/fuzz_replay_test.cc). The input is
//   a byte    the answer format (math, integer, choice) and the extraction mode (strict, flexible);
//   line 1    a gold answer;
//   the rest  a model's response.
// Extraction and grading take untrusted text and promise no exception (extract.h, grade.h): every
// exception is a bug. The extracted answer is text of the response (never longer than it), and
// grade_batch must agree with extract_answer + explain_equal, which it is built from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "metrics/extract.h"
#include "metrics/grade.h"
#include "tests/fuzz/fuzz_support.h"

namespace boxed::fuzz {

inline void fuzz_answer_once(const uint8_t* data, size_t size) {
  using namespace boxed::metrics;
  FuzzInput in(data, size);
  const uint8_t which = in.take_byte() % 6;
  const auto format = static_cast<AnswerFormat>(which % 3);
  const ExtractMode mode = which < 3 ? ExtractMode::kStrict : ExtractMode::kFlexible;
  const std::string_view gold = in.take_line();
  const std::string_view response = in.rest();

  const Extraction e = extract_answer(response, format, mode);
  if (e.answer.has_value() != (e.source != AnswerSource::kNone)) {
    throw std::logic_error("an extraction has an answer exactly when it has a source");
  }
  if (e.answer && e.answer->size() > response.size()) {
    throw std::logic_error("the extracted answer is longer than the response");
  }
  (void)normalize_answer(gold, format);
  (void)normalize_answer(response, format);
  const Verdict direct = explain_equal(gold, e.answer.value_or(std::string(response)), format);
  const GradeItem item{.gold = gold, .response = response};
  const std::vector<GradeResult> batch = grade_batch(std::span(&item, 1), format, mode);
  if (e.answer && (batch.at(0).equal != direct.equal || batch.at(0).rule != direct.rule)) {
    throw std::logic_error("grade_batch disagrees with extract_answer + explain_equal");
  }
}

}  // namespace boxed::fuzz
