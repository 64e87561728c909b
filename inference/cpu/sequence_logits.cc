#include "inference/cpu/sequence_logits.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "inference/cpu/forward.h"
#include "inference/cpu/kv_cache.h"

namespace boxed::inference::cpu {

void sequence_logits(const model::Model& model, std::span<const int32_t> tokens,
                     std::span<const int32_t> wanted, const OnPositionLogits& on_logits) {
  if (tokens.empty()) throw std::invalid_argument("sequence_logits: no tokens");
  const int32_t n = static_cast<int32_t>(tokens.size());
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (wanted[i] < 0 || wanted[i] >= n || (i > 0 && wanted[i] <= wanted[i - 1])) {
      throw std::invalid_argument(fmt::format(
          "sequence_logits: wanted positions must ascend within [0, {}), found {} at index {}", n,
          wanted[i], i));
    }
  }
  const model::ModelConfig& c = model.config();
  constexpr int32_t kBlockSize = 16;
  constexpr int32_t kChunk = 64;  // positions per forward call
  const int32_t n_blocks = (n + kBlockSize - 1) / kBlockSize;
  KvCache cache({.n_layers = c.n_layers, .n_kv_heads = c.n_kv_heads, .head_dim = c.head_dim,
                 .block_size_tokens = kBlockSize, .n_blocks = n_blocks});
  std::vector<int32_t> table(n_blocks);
  for (int32_t i = 0; i < n_blocks; ++i) table[i] = i;
  CpuForward forward(model);
  std::vector<float> logits;
  size_t next = 0;  // the first wanted position not yet delivered
  for (int32_t begin = 0; begin < n && next < wanted.size(); begin += kChunk) {
    const int32_t end = std::min(n, begin + kChunk);
    std::vector<int32_t> positions, seq_ids(end - begin, 0), rows;
    for (int32_t p = begin; p < end; ++p) positions.push_back(p);
    for (size_t w = next; w < wanted.size() && wanted[w] < end; ++w) rows.push_back(wanted[w] - begin);
    logits.assign(rows.size() * static_cast<size_t>(c.vocab_size), 0.0f);
    forward.run({.tokens = tokens.subspan(begin, end - begin), .positions = positions,
                 .seq_ids = seq_ids, .block_tables = table, .max_blocks_per_seq = n_blocks,
                 .logit_indices = rows},
                cache, logits);
    for (size_t i = 0; i < rows.size(); ++i, ++next) {
      on_logits(wanted[next], std::span<const float>(logits).subspan(i * c.vocab_size, c.vocab_size));
    }
  }
}

}  // namespace boxed::inference::cpu
