// One fuzz iteration of the tokenizer loaders and of encoding, shared by the libFuzzer target
// (tokenizer_fuzz.cc) and the replay test (tests/inference/tokenizer/fuzz_replay_test.cc). The
// first byte picks the subject; the rest is:
//   0  a tokenizer.json text: Tokenizer::from_json_text, then a fixed text with special tokens,
//      multi-byte characters and digits is encoded and decoded and every id's text looked up;
//   1  tokenizer_config.json beside the tiny model's tokenizer.json: Tokenizer::load(dir);
//   2  text encoded by the tiny tokenizer (prompts are outside input too), both with and without
//      special tokens; the ids must be in the vocabulary and decode back to the text when the
//      text is valid UTF-8 without special tokens (byte-level BPE is lossless).
// Loading errors must end in std::runtime_error (tokenizer.h); encoding never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "inference/tokenizer/tokenizer.h"
#include "tests/fuzz/fuzz_support.h"

namespace boxed::fuzz {

inline void exercise(const inference::tokenizer::Tokenizer& tok, std::string_view text) {
  for (bool special : {true, false}) {
    const std::vector<int32_t> ids = tok.encode(text, special);
    for (int32_t id : ids) {
      if (id < 0 || id >= tok.vocab_size()) throw std::logic_error("encode gave an id out of range");
      (void)tok.token_text(id);
      (void)tok.token_bytes(id);
    }
    (void)tok.decode(ids, /*skip_special=*/false);
    (void)tok.decode(ids, /*skip_special=*/true);
    inference::tokenizer::StreamDecoder stream(tok);
    for (int32_t id : ids) (void)stream.push(id);
    (void)stream.finish();
  }
}

inline const inference::tokenizer::Tokenizer& tiny_tokenizer() {
  static const auto tok = inference::tokenizer::Tokenizer::from_json_text(
      inference::tokenizer::make_tiny_tokenizer_json().dump(), "tiny tokenizer.json");
  return tok;
}

inline void fuzz_tokenizer_once(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t which = in.take_byte() % 3;
  if (which == 2) {
    exercise(tiny_tokenizer(), in.rest());
    return;
  }
  try {
    if (which == 0) {
      const auto tok = inference::tokenizer::Tokenizer::from_json_text(in.rest(), "fuzz/tokenizer.json");
      exercise(tok, "<｜User｜>Hello, world! 12345 héllo 日本語 \n\n  <think>x</think><|im_end|>");
    } else {
      const std::filesystem::path dir = tiny_model_copy("tokenizer-config", "tokenizer_config.json");
      write_file(dir / "tokenizer_config.json", in.rest());
      const auto tok = inference::tokenizer::Tokenizer::load(dir.string());
      (void)tok.bos_id();
      (void)tok.eos_id();
      (void)tok.add_bos();
    }
  } catch (const std::runtime_error&) {
  }
}

}  // namespace boxed::fuzz
