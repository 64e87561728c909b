// The GGUF tokenizer metadata (tokenizer.ggml.*, tokenizer.chat_template) of a Hugging Face
// byte-level BPE tokenizer directory, as llama.cpp's converter writes it, so that a GGUF made by
// `boxed quantize` from a safetensors directory tokenizes the same in boxed and in llama.cpp.
//
//   std::optional<HfGgufTokenizer> t = hf_gguf_tokenizer("models/qwen2.5-0.5b", 151936);
//   t->vocab.tokens.size() == 151936;   // ids the tokenizer lacks are "[PAD<id>]", type unused
//
// The rules are llama.cpp's (conversion/base.py `get_vocab_base`, `does_token_look_special`;
// gguf-py/gguf/vocab.py `SpecialVocab`), re-implemented here:
// - tokens: id -> the vocabulary entry or added token; ids below the config's vocab_size that
//   neither has become "[PAD<id>]" with type 5 (unused).
// - token types: 1 normal; an added token is 3 (control) when flagged special or when it looks
//   special ("<|...|>", "<｜...｜>", "<pad>", "<mask>", "<unused...>"), else 4 (user-defined,
//   with U+2581 turned into a space).
// - merges: tokenizer.json model.merges, "LEFT RIGHT" strings or [LEFT, RIGHT] pairs (a space
//   inside a pair's part becomes U+0120, as vocab.py encodes it).
// - bos / eos / padding ids: tokenizer_config.json bos_token / eos_token / pad_token looked up
//   among the added tokens, else config.json bos_token_id / eos_token_id / pad_token_id.
// - add_bos_token: tokenizer_config.json "add_bos_token" when present (what boxed reads from a
//   directory and transformers' Llama tokenizers obey; here boxed differs from vocab.py, which
//   lets a ByteLevel post-processor override it with false); else a post-processor
//   TemplateProcessing whose single sequence starts with the BOS token says true, a ByteLevel
//   one false; false when nothing says (Hugging Face then adds nothing).
// - pre: the pre-tokenizer family boxed recognises in tokenizer.json, by its GGUF name ("qwen2",
//   "llama-bpe", "gpt2", "smollm"; llama.cpp llama-vocab.cpp gives each the same regex).
// - chat template: tokenizer_config.json "chat_template" (a string, or the "default" entry of a
//   list), else chat_template.jinja, else chat_template.json (vocab.py's order).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "inference/tokenizer/tokenizer.h"

namespace boxed::inference::tokenizer {

struct HfGgufTokenizer {
  GgufVocab vocab;            // model "gpt2", pre, tokens, token_types, merges, ids, add_bos
  std::string chat_template;  // "" when the directory has none
};

// nullopt when `dir` has no tokenizer.json. Throws std::runtime_error naming the file and field
// for a tokenizer boxed cannot express (not BPE, an unrecognised pre-tokenizer, an id at or
// beyond vocab_size).
std::optional<HfGgufTokenizer> hf_gguf_tokenizer(const std::filesystem::path& dir, int32_t vocab_size);

// The GGUF tokenizer.ggml.pre name of a boxed pre-tokenizer family name ("llama3" -> "llama-bpe").
std::string gguf_pre_of_family(const std::string& family);

}  // namespace boxed::inference::tokenizer
