// Replays the inputs kept for the answer fuzz target (tests/fuzz/answer_fuzz_body.h) under
// tests/data/fuzz/answer/: extraction and grading of each text run without an exception and
// agree with each other.
#include <gtest/gtest.h>

#include "tests/fuzz/answer_fuzz_body.h"
#include "tests/fuzz/replay.h"

namespace boxed::fuzz {
namespace {

TEST(AnswerFuzzReplay, EveryKeptInputIsExtractedAndGraded) {
  expect_kept_inputs_pass("answer", fuzz_answer_once);
}

}  // namespace
}  // namespace boxed::fuzz
