// Finding added tokens (special and not) in text, before the rest is normalised and
// pre-tokenized, with the semantics of Hugging Face tokenizers' AddedVocabulary::find_matches
// (tokenizers/src/tokenizer/added_vocabulary.rs): leftmost-longest matches; a single_word token
// is skipped when a word character (Unicode \w) touches it; lstrip / rstrip widen a match over
// the Unicode whitespace beside it (never into the previous match).
//
//   AddedTokenMatcher m(tokens);            // e.g. the non-normalized added tokens
//   std::vector<TextSegment> parts;
//   m.split("<｜User｜>hi", /*parse_special=*/true, parts);   // {token 151644}, {"hi"}
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "inference/tokenizer/tokenizer.h"

namespace boxed::inference::tokenizer {

struct TextSegment {
  std::string_view text;
  int32_t id = -1;  // the added token's id, or -1 for plain text
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  explicit AddedTokenMatcher(std::vector<AddedToken> tokens);

  // Appends the segments of `text` (covering it, in order; plain segments may be empty-free).
  // With parse_special=false, tokens flagged special are not looked for.
  void split(std::string_view text, bool parse_special, std::vector<TextSegment>& out) const;
  bool empty() const { return tokens_.empty(); }

 private:
  // Longest token (index into tokens_) that starts at text[pos], or -1.
  int longest_at(std::string_view text, size_t pos, bool parse_special) const;

  std::vector<AddedToken> tokens_;
  std::array<std::vector<int>, 256> by_first_byte_;  // indices into tokens_
};

// Unicode \w as in Rust's regex crate: letters, marks, decimal and letter numbers, connector
// punctuation.
bool is_word_code_point(uint32_t cp);

}  // namespace boxed::inference::tokenizer
