// Byte-level BPE tokenizer (GPT-2 / Qwen2 / Llama-3 / SmolLM family), loaded from a Hugging Face
// tokenizer.json, from the older vocab.json + merges.txt pair, or from a GGUF file's
// tokenizer.ggml.* metadata.
//
//   Tokenizer tok = Tokenizer::load("models/r1-distill-qwen-1.5b");   // dir, tokenizer.json, or
//   Tokenizer tok = Tokenizer::load("qwen2/vocab.json", "qwen2");      // vocab.json + merges.txt
//   Tokenizer tok = Tokenizer::load("qwen2.5-0.5b-q4_k_m.gguf");        // GGUF header only
//   std::vector<int32_t> ids = tok.encode("<｜User｜>1+1?", /*parse_special=*/true);
//   std::string text = tok.decode(ids);
//
// Encoding follows the Hugging Face `tokenizers` pipeline: added tokens are split out first
// (leftmost-longest, honouring lstrip/rstrip/single_word/normalized), the remaining text is NFC
// normalised (when configured), cut by the pre-tokenizer regex (pre_tokenizer.h), mapped to the
// byte-level alphabet (byte_level.h) and merged by rank (bpe.h). encode() never adds BOS: a chat
// template writes it (chat_template.h), so the templated prompt gets exactly one.
//
// parse_special=false treats the text as plain: tokens flagged "special" are not recognised
// (they are encoded as ordinary text), as with tokenizers' `encode_special_tokens`; non-special
// added tokens (e.g. R1's "<think>") are still recognised, as Hugging Face does.
//
// A Tokenizer is cheap to copy (shared immutable state) and safe to use from many threads.
// Loading errors throw std::runtime_error naming the file, the field and expected vs found.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace boxed::inference::tokenizer {

// An entry of tokenizer.json "added_tokens" (flags as defined by tokenizers' AddedToken).
struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool special = false;
  bool lstrip = false;       // swallow whitespace on the left of a match
  bool rstrip = false;       // swallow whitespace on the right of a match
  bool normalized = false;   // matched against the normalised text instead of the raw text
  bool single_word = false;  // only matched when not inside a word
};

// What a GGUF file's tokenizer.ggml.* keys hold (GGUF spec, "Tokenizer" section). Token types
// are llama.cpp's llama_token_type (llama.h): 1 normal, 2 unknown, 3 control, 4 user-defined,
// 5 unused, 6 byte.
struct GgufVocab {
  std::string model;                 // tokenizer.ggml.model: only "gpt2" (byte-level BPE)
  std::string pre;                   // tokenizer.ggml.pre, e.g. "qwen2", "smollm"
  std::vector<std::string> tokens;   // tokenizer.ggml.tokens; index = id
  std::vector<int32_t> token_types;  // tokenizer.ggml.token_type; empty = all normal
  std::vector<std::string> merges;   // tokenizer.ggml.merges, "LEFT RIGHT" by rank
  std::optional<int32_t> bos;        // tokenizer.ggml.bos_token_id
  std::optional<int32_t> eos;        // tokenizer.ggml.eos_token_id
  std::optional<int32_t> padding;    // tokenizer.ggml.padding_token_id
  bool add_bos = false;              // tokenizer.ggml.add_bos_token
};

struct TokenizerState;  // defined in tokenizer_state.h (internal)

class Tokenizer {
 public:
  // path: a tokenizer.json, a model directory (its tokenizer.json, else vocab.json +
  // merges.txt), or a vocab.json with merges.txt beside it. `pre` ("" | "qwen2" | "llama3")
  // names the family whose pre-tokenizer, normaliser and ignore_merges a vocab.json + merges.txt
  // pair uses (required for that form; for tokenizer.json it must be "" or agree with the file).
  // bos/eos ids are taken from tokenizer_config.json beside the file when present.
  // A .gguf file (read by its header alone) gives its tokenizer.ggml.* vocabulary, see
  // from_gguf_vocab; `pre` must then be "" or agree with the file's tokenizer.ggml.pre family.
  static Tokenizer load(const std::string& path, std::string_view pre = "");
  // The text of a tokenizer.json; `source` names it in error messages.
  static Tokenizer from_json_text(std::string_view json_text, const std::string& source);
  // From GGUF tokenizer metadata, treated as llama.cpp does (llama-vocab.cpp): normal and unused
  // tokens are the BPE vocabulary; control and unknown tokens are special added tokens (matched
  // only with parse_special); user-defined tokens are non-special added tokens (always matched).
  // `pre` picks the pre-tokenizer (pre_family_from_gguf_pre); an unknown one is refused by
  // name. Throws std::runtime_error naming `source` and the key on inconsistent arrays.
  static Tokenizer from_gguf_vocab(const GgufVocab& vocab, const std::string& source);

  std::vector<int32_t> encode(std::string_view text, bool parse_special = true) const;
  // Invalid UTF-8 (a token sequence cut inside a character) becomes U+FFFD, as in Hugging Face.
  std::string decode(std::span<const int32_t> ids, bool skip_special = false) const;

  // The id of a vocabulary entry or added token given in its stored form ("Ġthe", "<think>").
  std::optional<int32_t> token_id(std::string_view token) const;
  // The stored form of a token ("Ġthe"); throws std::out_of_range for an unknown id.
  const std::string& token_text(int32_t id) const;
  // The raw bytes a token stands for (" the"); added tokens give their content.
  std::string token_bytes(int32_t id) const;
  // One more than the largest id (vocabulary and added tokens).
  int32_t vocab_size() const;

  bool is_special(int32_t id) const;
  const std::vector<AddedToken>& added_tokens() const;
  // From tokenizer_config.json beside the tokenizer (bos_token / eos_token), else from the
  // post-processor's template (bos only); nullopt when neither says.
  std::optional<int32_t> bos_id() const;
  std::optional<int32_t> eos_id() const;
  // GGUF tokenizer.ggml.padding_token_id; nullopt elsewhere.
  std::optional<int32_t> padding_id() const;
  // Whether the model expects BOS in front of a plain encoding (GGUF add_bos_token, or
  // tokenizer_config.json "add_bos_token"). encode() never adds it; the chat template writes it.
  bool add_bos() const;
  // "qwen2", "llama3", "gpt2" or "smollm": the pre-tokenizer family recognised.
  const std::string& pre_name() const;

 private:
  explicit Tokenizer(std::shared_ptr<const TokenizerState> state);
  std::shared_ptr<const TokenizerState> state_;
};

// Turns generated ids into text as they arrive without ever emitting half a multi-byte UTF-8
// character: bytes of an unfinished character are held back until it completes.
//
//   StreamDecoder sd(tok);
//   for (int32_t id : ids) std::cout << sd.push(id);
//   std::cout << sd.finish();   // anything still held (invalid bytes as U+FFFD)
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tok, bool skip_special = false);
  std::string push(int32_t id);
  std::string finish();

 private:
  Tokenizer tok_;  // shares the state, cheap
  bool skip_special_;
  std::string pending_;  // bytes of an incomplete trailing character
};

}  // namespace boxed::inference::tokenizer
