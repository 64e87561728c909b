// Replays the inputs kept for the model-file fuzz targets (tests/fuzz/: gguf, safetensors,
// model_config) under tests/data/fuzz/<target>/ through the bodies the fuzzers run: each input
// must parse or be refused with std::runtime_error (anything else — another exception, a crash —
// fails; under BOXED_SANITIZE an out-of-bounds read fails too).
#include <gtest/gtest.h>

#include "tests/fuzz/gguf_fuzz_body.h"
#include "tests/fuzz/model_config_fuzz_body.h"
#include "tests/fuzz/replay.h"
#include "tests/fuzz/safetensors_fuzz_body.h"

namespace boxed::fuzz {
namespace {

TEST(GgufFuzzReplay, EveryKeptInputParsesOrIsRefused) {
  expect_kept_inputs_pass("gguf", fuzz_gguf_once);
}

TEST(SafetensorsFuzzReplay, EveryKeptInputParsesOrIsRefused) {
  expect_kept_inputs_pass("safetensors", fuzz_safetensors_once);
}

TEST(ModelConfigFuzzReplay, EveryKeptInputParsesOrIsRefused) {
  expect_kept_inputs_pass("model_config", fuzz_model_config_once);
}

}  // namespace
}  // namespace boxed::fuzz
