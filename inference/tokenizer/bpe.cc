#include "inference/tokenizer/bpe.h"

#include <queue>
#include <stdexcept>

#include "inference/tokenizer/byte_level.h"

namespace boxed::inference::tokenizer {

BpeModel::BpeModel(std::unordered_map<std::string, int32_t> vocab,
                   const std::vector<MergeRule>& merges, bool ignore_merges,
                   const std::string& source)
    : vocab_(std::move(vocab)), ignore_merges_(ignore_merges) {
  merges_.reserve(merges.size() * 2);
  auto id_of = [&](const std::string& symbol, size_t rank, const char* what) {
    auto it = vocab_.find(symbol);
    if (it == vocab_.end()) {
      throw std::runtime_error(source + ": merge " + std::to_string(rank) + " (\"" +
                               merges[rank].left + " " + merges[rank].right + "\"): " + what +
                               " \"" + symbol + "\" is not in the vocabulary");
    }
    return it->second;
  };
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const int32_t a = id_of(merges[rank].left, rank, "left symbol");
    const int32_t b = id_of(merges[rank].right, rank, "right symbol");
    const int32_t r = id_of(merges[rank].left + merges[rank].right, rank, "merged symbol");
    // A repeated pair keeps its first (lowest) rank, as tokenizers' BPE builder does.
    merges_.try_emplace(key(a, b), Merge{static_cast<int32_t>(rank), r});
  }
  for (const auto& [text, id] : vocab_) {
    uint32_t cp = 0;
    if (!text.empty() && static_cast<size_t>(next_code_point(text, 0, cp)) == text.size()) {
      char_ids_.emplace(text, id);
    }
  }
  byte_ids_.fill(-1);
  for (int b = 0; b < 256; ++b) {
    if (auto it = char_ids_.find(byte_level_alphabet()[b]); it != char_ids_.end()) {
      byte_ids_[b] = it->second;
    }
  }
}

void BpeModel::encode_word(std::string_view word, std::vector<int32_t>& out) const {
  if (ignore_merges_) {
    if (auto it = vocab_.find(std::string(word)); it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  if (word.size() > kMaxCachedWordBytes) {
    merge_word(word, out);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (auto it = cache_.find(word); it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const size_t first = out.size();
  merge_word(word, out);
  std::vector<int32_t> ids(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.size() >= kMaxCacheEntries) cache_.clear();  // bounded memory on endless input
  cache_.emplace(std::string(word), std::move(ids));
}

void BpeModel::merge_word(std::string_view word, std::vector<int32_t>& out) const {
  struct Symbol {
    int32_t id;
    int32_t prev;  // index of the previous live symbol, -1 at the start
    int32_t next;  // index of the next live symbol, -1 at the end
  };
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  for (size_t i = 0; i < word.size();) {
    uint32_t cp = 0;
    const int len = next_code_point(word, i, cp);
    // Byte-level characters by table; any other character through the map.
    const int byte = byte_of_code_point(cp);
    int32_t id = byte >= 0 ? byte_ids_[byte] : -1;
    if (byte < 0) {
      auto it = char_ids_.find(std::string(word.substr(i, static_cast<size_t>(len))));
      if (it != char_ids_.end()) id = it->second;
    }
    // A character outside the vocabulary is dropped, as tokenizers' BPE does without unk_token.
    if (id >= 0) {
      const auto n = static_cast<int32_t>(symbols.size());
      symbols.push_back({id, n - 1, n + 1});
    }
    i += static_cast<size_t>(len);
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;

  struct Candidate {
    int32_t rank;
    int32_t left;  // symbol index
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  auto push_pair = [&](int32_t left) {
    if (left < 0 || symbols[left].next < 0) return;
    auto it = merges_.find(key(symbols[left].id, symbols[symbols[left].next].id));
    if (it != merges_.end()) queue.push({it->second.rank, left});
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i) push_pair(i);

  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    Symbol& left = symbols[c.left];
    if (left.id < 0 || left.next < 0) continue;  // merged away since it was queued
    auto it = merges_.find(key(left.id, symbols[left.next].id));
    if (it == merges_.end() || it->second.rank != c.rank) continue;  // the pair changed
    Symbol& right = symbols[left.next];
    left.id = it->second.result;
    right.id = -1;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = c.left;
    push_pair(left.prev);
    push_pair(c.left);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next) out.push_back(symbols[i].id);
}

}  // namespace boxed::inference::tokenizer
