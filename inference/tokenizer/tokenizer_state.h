// Internal: the immutable state behind a Tokenizer, built by tokenizer_load.cc and used by
// tokenizer.cc. Not part of the public interface.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "inference/tokenizer/added_tokens.h"
#include "inference/tokenizer/bpe.h"
#include "inference/tokenizer/pre_tokenizer.h"
#include "inference/tokenizer/tokenizer.h"

namespace boxed::inference::tokenizer {

struct TokenizerState {
  std::string source;  // the file it came from, for messages
  std::unique_ptr<BpeModel> bpe;
  PreTokenizer pre = PreTokenizer::for_family(PreFamily::kQwen2);
  bool nfc = false;
  std::vector<AddedToken> added;
  AddedTokenMatcher raw_matcher;         // added tokens with normalized=false
  AddedTokenMatcher normalized_matcher;  // added tokens with normalized=true
  std::vector<std::string> id_text;      // stored form per id ("" for a hole in the ids)
  std::vector<std::string> id_bytes;     // raw bytes per id (added tokens: their content)
  std::vector<uint8_t> special;          // 1 for added tokens flagged special
  std::unordered_map<std::string, int32_t> added_ids;
  std::optional<int32_t> bos;
  std::optional<int32_t> eos;
  std::optional<int32_t> padding;
  bool add_bos = false;
  std::string pre_name;
};

// Everything besides the BPE files that tokenizer.json (or a --pre family) configures.
struct TokenizerConfig {
  PreFamily family = PreFamily::kQwen2;
  bool nfc = false;
  bool ignore_merges = false;
};
// What `--pre NAME` implies for vocab.json + merges.txt: the settings of that family's
// published tokenizer.json (Qwen2: NFC, ignore_merges false; Llama-3: no normaliser,
// ignore_merges true).
TokenizerConfig config_for_family(PreFamily family);

// Unicode NFC via utf8proc (tokenizer.cc); invalid UTF-8 is returned unchanged.
std::string nfc(std::string_view s);

// "LEFT RIGHT" (two symbols, one space) → MergeRule; throws naming `where` otherwise.
MergeRule split_merge_line(std::string_view line, const std::string& where);

// Builds the state; fills id tables, matchers. Throws on inconsistent ids.
std::shared_ptr<TokenizerState> build_state(std::string source,
                                            std::unordered_map<std::string, int32_t> vocab,
                                            const std::vector<MergeRule>& merges,
                                            std::vector<AddedToken> added,
                                            const TokenizerConfig& config);

}  // namespace boxed::inference::tokenizer
