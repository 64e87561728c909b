// Causal grouped-query attention of a batch's tokens over the paged KV cache (cpu/attention.h
// `attend_head`, for every head of every token):
//   out_h = Σ_{t ≤ p} softmax_t(q_h · k_t / sqrt(head_dim)) v_t,   kv head of h = h / group
// Serves prefill and decode alike: every token attends over positions 0..p of its sequence,
// read through its block table (the tokens' own K/V were written by kv_write before).
//
// Work split: one thread block per (token, KV head, split of kSplitTokens positions) handles all
// `group` query heads of that KV head together, so each K/V row is read from memory once per
// group rather than once per query head; a long sequence's positions spread over
// ceil((p + 1) / kSplitTokens) blocks, each leaving a partial (max score m, Σ e^(s − m), Σ e^(s − m) v);
// a merge kernel combines the splits by log-sum-exp:
//   M = max_s m_s,   out = Σ_s e^(m_s − M) acc_s / Σ_s e^(m_s − M) l_s.
// The cache's elements are bf16 or fp32 (layout.dtype); the arithmetic is fp32 either way.
// Bytes: reads 2 · (p + 1) · head_dim · layout.element_bytes() per (token, KV head) from the
// cache, plus q; writes (n_splits + 1) · n_heads · head_dim · 4 per token. Limits: group ≤ 8,
// head_dim ≤ 256 and a multiple of 4 (K rows are read four elements at a time).
//
//   std::vector<float> scratch(attention_scratch_floats(n_tokens, n_heads, head_dim, max_pos));
//   attention(stream, q, n, n_heads, positions, seq_ids, tables, max_blocks, cache, layout,
//             layer, max_position, scratch_dev, out);
#pragma once

#include <cstddef>
#include <cstdint>

#include "inference/cuda/kv_layout.h"
#include "inference/cuda/runtime.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

inline constexpr int kSplitTokens = 256;

inline int attention_splits(int max_position) { return max_position / kSplitTokens + 1; }
size_t attention_scratch_floats(int n, int n_heads, int head_dim, int max_position);

// q, out: [n, n_heads, head_dim]; max_position: the largest of positions[0..n).
// Throws std::invalid_argument when the shape is outside the limits above.
void attention(Stream& stream, const float* q, int n, int n_heads, const int32_t* positions,
               const int32_t* seq_ids, const int32_t* block_tables, int max_blocks_per_seq,
               const void* cache, const KvLayout& layout, int layer, int max_position,
               float* scratch, float* out);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
