// Replays the inputs kept for the OpenAI answer fuzz target (tests/fuzz/openai_fuzz_body.h) under
// tests/data/fuzz/openai/: every body and stream becomes a Completion without an exception, and a
// stream gives the same events however it is split.
#include <gtest/gtest.h>

#include "tests/fuzz/openai_fuzz_body.h"
#include "tests/fuzz/replay.h"

namespace boxed::fuzz {
namespace {

TEST(OpenAiFuzzReplay, EveryKeptInputBecomesACompletion) {
  expect_kept_inputs_pass("openai", fuzz_openai_once);
}

}  // namespace
}  // namespace boxed::fuzz
