// A Tokenizer from GGUF tokenizer metadata (tokenizer.ggml.*). The meaning of each key is the
// GGUF spec's ("Tokenizer" section, ggml docs/gguf.md); how token types become special or
// added tokens follows llama.cpp's llama-vocab.cpp, so that boxed and llama.cpp tokenize the same
// text to the same ids (checked by tests/inference/tokenizer/llama_cpp_parity_test.cc).
#include <stdexcept>

#include "inference/tokenizer/tokenizer_state.h"

namespace boxed::inference::tokenizer {
namespace {

// llama_token_type (llama.h); the values GGUF tokenizer.ggml.token_type stores.
enum GgufTokenType : int32_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

[[noreturn]] void fail(const std::string& source, const std::string& key,
                       const std::string& message) {
  throw std::runtime_error(source + ": " + key + ": " + message);
}

std::optional<int32_t> checked_id(const std::optional<int32_t>& id, size_t n_tokens,
                                  const std::string& source, const char* key) {
  if (id && (*id < 0 || static_cast<size_t>(*id) >= n_tokens)) {
    fail(source, key,
         "expected an id in [0, " + std::to_string(n_tokens) + "), found " + std::to_string(*id));
  }
  return id;
}

}  // namespace

Tokenizer Tokenizer::from_gguf_vocab(const GgufVocab& v, const std::string& source) {
  if (v.model != "gpt2") {
    fail(source, "tokenizer.ggml.model",
         "expected \"gpt2\" (byte-level BPE), found \"" + v.model + "\" (not supported)");
  }
  const auto family = pre_family_from_gguf_pre(v.pre);
  if (!family) {
    fail(source, "tokenizer.ggml.pre",
         "unknown pre-tokenizer \"" + v.pre + "\"; supported: " + std::string(gguf_pre_names()));
  }
  if (v.tokens.empty()) fail(source, "tokenizer.ggml.tokens", "expected tokens, found none");
  if (!v.token_types.empty() && v.token_types.size() != v.tokens.size()) {
    fail(source, "tokenizer.ggml.token_type",
         "expected one type per token (" + std::to_string(v.tokens.size()) + "), found " +
             std::to_string(v.token_types.size()));
  }
  std::unordered_map<std::string, int32_t> vocab;
  vocab.reserve(v.tokens.size());
  std::vector<AddedToken> added;
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    const auto id = static_cast<int32_t>(i);
    const std::string& text = v.tokens[i];
    const int32_t type = v.token_types.empty() ? kNormal : v.token_types[i];
    const std::string where = "tokenizer.ggml.tokens[" + std::to_string(i) + "]";
    switch (type) {
      case kNormal:
      case kUnused: {  // e.g. Qwen2's "[PAD151665]" fillers: plain entries no merge reaches
        auto [it, inserted] = vocab.emplace(text, id);
        if (!inserted) {
          fail(source, where,
               "\"" + text + "\" repeats token " + std::to_string(it->second) + " (ids must be "
               "unique per text)");
        }
        break;
      }
      case kUnknown:
      case kControl:
      case kUserDefined:
        if (text.empty()) fail(source, where, "an added token must not be empty");
        // llama-vocab.cpp (tokenizer_st_partition): control and unknown tokens are split out
        // only when special tokens are parsed; user-defined tokens always are. Neither strips
        // whitespace around it (llama.cpp sets lstrip/rstrip only for a few named models).
        added.push_back({.id = id,
                         .content = text,
                         .special = type != kUserDefined,
                         .normalized = false});
        break;
      case kByte:
        fail(source, "tokenizer.ggml.token_type[" + std::to_string(i) + "]",
             "byte token \"" + text + "\" in a gpt2 (byte-level BPE) vocabulary: byte tokens " +
                 "belong to SentencePiece vocabularies (not supported)");
      default:
        fail(source, "tokenizer.ggml.token_type[" + std::to_string(i) + "]",
             "expected a type 1..6, found " + std::to_string(type));
    }
  }
  std::vector<MergeRule> merges;
  merges.reserve(v.merges.size());
  for (size_t i = 0; i < v.merges.size(); ++i) {
    merges.push_back(
        split_merge_line(v.merges[i], source + ": tokenizer.ggml.merges[" + std::to_string(i) + "]"));
  }
  auto state =
      build_state(source, std::move(vocab), merges, std::move(added), config_for_family(*family));
  state->pre_name = std::string(pre_family_name(*family));
  state->bos = checked_id(v.bos, v.tokens.size(), source, "tokenizer.ggml.bos_token_id");
  state->eos = checked_id(v.eos, v.tokens.size(), source, "tokenizer.ggml.eos_token_id");
  state->padding = checked_id(v.padding, v.tokens.size(), source, "tokenizer.ggml.padding_token_id");
  state->add_bos = v.add_bos;
  return Tokenizer(std::move(state));
}

}  // namespace boxed::inference::tokenizer
