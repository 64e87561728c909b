// Replays the inputs kept for the dataset fuzz target (tests/fuzz/dataset_fuzz_body.h) under
// tests/data/fuzz/dataset/: each file loads (and gives a prompt per problem) or is refused with
// std::runtime_error; each field mapping parses or is refused with std::invalid_argument.
#include <gtest/gtest.h>

#include "tests/fuzz/dataset_fuzz_body.h"
#include "tests/fuzz/replay.h"

namespace boxed::fuzz {
namespace {

TEST(DatasetFuzzReplay, EveryKeptInputLoadsOrIsRefused) {
  expect_kept_inputs_pass("dataset", fuzz_dataset_once);
}

}  // namespace
}  // namespace boxed::fuzz
