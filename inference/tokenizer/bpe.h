// The BPE model of a byte-level tokenizer: vocabulary, merge ranks, and the merge loop over one
// pre-tokenized word, with a per-word cache.
//
//   BpeModel bpe(std::move(vocab), merges, /*ignore_merges=*/false, "tokenizer.json");
//   std::vector<int32_t> ids;
//   bpe.encode_word(to_byte_level(" hello"), ids);   // appends the ids of "Ġhello"
//
// Merging follows Hugging Face tokenizers' BPE (models/bpe/word.rs): repeatedly apply the
// lowest-ranked adjacent pair, leftmost first among equal ranks, using a priority queue over a
// linked list of symbols (O(n log n) per word). With ignore_merges (Llama-3), a word that is
// itself in the vocabulary becomes that single token without merging.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace boxed::inference::tokenizer {

struct MergeRule {
  std::string left;
  std::string right;
};

class BpeModel {
 public:
  // Throws std::runtime_error (naming `source` and the merge line) when a merge names a symbol,
  // or a result, that the vocabulary lacks.
  BpeModel(std::unordered_map<std::string, int32_t> vocab, const std::vector<MergeRule>& merges,
           bool ignore_merges, const std::string& source);
  BpeModel(const BpeModel&) = delete;
  BpeModel& operator=(const BpeModel&) = delete;

  // `word` in the byte-level alphabet. Thread-safe.
  void encode_word(std::string_view word, std::vector<int32_t>& out) const;

  const std::unordered_map<std::string, int32_t>& vocab() const { return vocab_; }
  size_t n_merges() const { return merges_.size(); }
  bool ignore_merges() const { return ignore_merges_; }

 private:
  struct Merge {
    int32_t rank;
    int32_t result;
  };
  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  void merge_word(std::string_view word, std::vector<int32_t>& out) const;

  std::unordered_map<std::string, int32_t> vocab_;
  std::unordered_map<uint64_t, Merge> merges_;
  std::unordered_map<std::string, int32_t> char_ids_;  // single characters of the alphabet
  std::array<int32_t, 256> byte_ids_;  // id of each byte's byte-level character, -1 if absent
  bool ignore_merges_;

  // Lets the cache be searched with a string_view (no key copy on a hit).
  struct WordHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static constexpr size_t kMaxCachedWordBytes = 256;
  static constexpr size_t kMaxCacheEntries = 1 << 18;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>, WordHash, std::equal_to<>> cache_;
};

}  // namespace boxed::inference::tokenizer
