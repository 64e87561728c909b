// The tokenizer of the tiny test model (`boxed make-tiny-model`): a small byte-level BPE in
// tokenizer.json form that the real loader reads, so the tiny model exercises the same code path
// as a downloaded one.
//
//   nlohmann::json j = make_tiny_tokenizer_json();
//   write_file(dir + "/tokenizer.json", j.dump(2));
//
// Vocabulary: ids 0..255 are the 256 byte-level symbols, then merges learnt deterministically
// (most frequent pair, ties broken by the pair's text) from a small built-in English / LaTeX /
// math corpus with the Qwen2 pre-tokenizer (digits single), then the DeepSeek-R1 special tokens
// as added tokens at the end. Qwen2 normaliser (NFC), pre-tokenizer and decoder configuration.
// The result is the same on every call and every machine.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

namespace boxed::inference::tokenizer {

inline constexpr int32_t kTinyMergeCount = 400;
// 256 bytes + kTinyMergeCount merges + 6 R1 special tokens (tiny_tokenizer.cc lists them).
inline constexpr int32_t kTinyVocabSize = 256 + kTinyMergeCount + 6;

nlohmann::json make_tiny_tokenizer_json();

}  // namespace boxed::inference::tokenizer
