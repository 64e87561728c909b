// Causal grouped-query attention of one token over its sequence's paged KV cache:
//   out_h = Σ_{t ≤ p} softmax_t(q_h · k_t / sqrt(head_dim)) v_t,   kv head of h = h / (n_heads / n_kv_heads)
// Keys and values of positions 0..p are read from the blocks of `block_table` (slot t % block
// size of block block_table[t / block size]). Scores, the softmax and the weighted sum of V are
// accumulated in ascending position order, one head at a time, so the result depends on nothing
// but the cache contents. Reads 2 · (p + 1) · head_dim floats per KV head.
//
//   for (int h = 0; h < n_heads; ++h)   // q_t, out_t: [n_heads * head_dim]
//     attend_head(q_t, h, n_heads, cache, layer, table_row, position, out_t);
//
// attend_group does the same for all n_heads / n_kv_heads query heads of one KV head, with the
// bits attend_head gives each of them, reading each key and value row from memory once for the
// group instead of once per head (Qwen2.5-0.5B: 7 query heads per KV head); at long contexts,
// where a sequence's keys no longer fit in cache, that is 7 times less memory traffic.
//
//   for (int g = 0; g < n_kv_heads; ++g)
//     attend_group(q_t, g, n_heads, cache, layer, table_row, position, out_t);
#pragma once

#include <cstdint>
#include <span>

#include "inference/cpu/kv_cache.h"

namespace boxed::inference::cpu {

void attend_head(const float* q, int head, int n_heads, const KvCache& cache, int layer,
                 std::span<const int32_t> block_table, int position, float* out);

void attend_group(const float* q, int kv_head, int n_heads, const KvCache& cache, int layer,
                  std::span<const int32_t> block_table, int position, float* out);

}  // namespace boxed::inference::cpu
