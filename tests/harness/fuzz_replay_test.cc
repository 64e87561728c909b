// Replays the inputs kept for the completion-log fuzz target
// (tests/fuzz/completion_log_fuzz_body.h) under tests/data/fuzz/completion_log/: each log is read
// or refused with std::runtime_error, and a log that opens for resuming is left readable.
#include <gtest/gtest.h>

#include "tests/fuzz/completion_log_fuzz_body.h"
#include "tests/fuzz/replay.h"

namespace boxed::fuzz {
namespace {

TEST(CompletionLogFuzzReplay, EveryKeptLogIsReadOrRefused) {
  expect_kept_inputs_pass("completion_log", fuzz_completion_log_once);
}

}  // namespace
}  // namespace boxed::fuzz
