// Replays the inputs kept for the tokenizer and chat-template fuzz targets (tests/fuzz/) under
// tests/data/fuzz/<target>/ through the bodies the fuzzers run: each must load or be refused with
// std::runtime_error, and encoding never throws.
#include <gtest/gtest.h>

#include "tests/fuzz/chat_template_fuzz_body.h"
#include "tests/fuzz/replay.h"
#include "tests/fuzz/tokenizer_fuzz_body.h"

namespace boxed::fuzz {
namespace {

TEST(TokenizerFuzzReplay, EveryKeptInputLoadsOrIsRefused) {
  expect_kept_inputs_pass("tokenizer", fuzz_tokenizer_once);
}

TEST(ChatTemplateFuzzReplay, EveryKeptInputIsRecognisedOrRefused) {
  expect_kept_inputs_pass("chat_template", fuzz_chat_template_once);
}

}  // namespace
}  // namespace boxed::fuzz
