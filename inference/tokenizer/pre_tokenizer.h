// The regex pre-tokenizer of byte-level BPE: cuts normalised text into the pieces ("words") that
// BPE merges within. Only the patterns of known model families are accepted, each translated by
// hand into RE2 syntax; anything else is refused rather than guessed.
//
//   PreTokenizer pre = PreTokenizer::for_family(PreFamily::kQwen2);
//   std::vector<std::string_view> pieces;
//   pre.split("Hello  world 123", pieces);   // "Hello", " ", " world", " ", "1", "2", "3"
//
// Families and their Hugging Face tokenizer.json patterns (Split, behavior "Isolated"):
//   qwen2  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|
//          \s*[\r\n]+|\s+(?!\S)|\s+                  (Qwen2 tokenizer.json; digits one by one)
//   llama3 the same with \p{N}{1,3}                   (Meta-Llama-3 tokenizer.json)
//   gpt2   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//          (the ByteLevel pre-tokenizer's own regex with use_regex=true; OpenAI GPT-2 encoder.py)
//   smollm every \p{N} code point its own piece first (tokenizers' Digits(individual_digits=true)),
//          then the gpt2 regex within the text between digits (SmolLM2 tokenizer.json:
//          Sequence[Digits, ByteLevel(use_regex=true)]; llama.cpp llama-vocab.cpp lists the same
//          two expressions, "\p{N}" then the GPT-2 one, for its SMOLLM pre-type)
//
// Two differences from the Oniguruma engine that Hugging Face uses are handled here:
// - RE2 has no lookahead, so `\s+(?!\S)` is dropped from the RE2 pattern and emulated after the
//   match: when the final `\s+` alternative matched a run of two or more whitespace characters
//   that is followed by a non-space, the run gives back its last character (which then starts
//   the next piece, e.g. " world"). In the Qwen2 and Llama-3 patterns a whitespace match that
//   contains \r or \n came from the `\s*[\r\n]+` alternative, which precedes the lookahead
//   one, and is kept whole (GPT-2's pattern has no such alternative).
// - RE2's \s is ASCII [\t\n\f\r ]; Oniguruma's is Unicode White_Space (with \v, U+0085, U+00A0,
//   U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), spelled out here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace boxed::inference::tokenizer {

enum class PreFamily { kQwen2, kLlama3, kGpt2, kSmolLm };

std::string_view pre_family_name(PreFamily family);
// "qwen2" | "llama3" | "gpt2" | "smollm"; nullopt otherwise.
std::optional<PreFamily> pre_family_from_name(std::string_view name);
// The family of a GGUF `tokenizer.ggml.pre` value, as llama.cpp's llama-vocab.cpp maps them:
// "qwen2" and "deepseek-r1-qwen" → qwen2, "llama-bpe" → llama3, "smollm" → smollm, "gpt2" →
// gpt2; nullopt for any other (boxed does not guess a regex).
std::optional<PreFamily> pre_family_from_gguf_pre(std::string_view pre);
// The names pre_family_from_gguf_pre accepts, for messages.
std::string_view gguf_pre_names();
// The family whose Hugging Face Split pattern is exactly `hf_pattern`; nullopt otherwise.
std::optional<PreFamily> pre_family_from_pattern(std::string_view hf_pattern);
// The Hugging Face form of a family's pattern (as written in tokenizer.json).
std::string_view pre_family_pattern(PreFamily family);

class PreTokenizer {
 public:
  static PreTokenizer for_family(PreFamily family);

  // Appends the pieces of `text` to `out`; they cover `text` exactly, in order.
  void split(std::string_view text, std::vector<std::string_view>& out) const;
  PreFamily family() const { return family_; }

 private:
  // The regex step alone (no digit split).
  void split_regex(std::string_view text, std::vector<std::string_view>& out) const;
  PreTokenizer(PreFamily family, std::shared_ptr<const re2::RE2> re)
      : family_(family), re_(std::move(re)) {}
  PreFamily family_;
  std::shared_ptr<const re2::RE2> re_;
};

// Unicode White_Space as Oniguruma's \s (see above).
bool is_unicode_space(uint32_t cp);

}  // namespace boxed::inference::tokenizer
