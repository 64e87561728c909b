// The paged KV cache's layout on the device: the CPU cache's (cpu/kv_cache.h), so block copies
// are one contiguous range and parity tests compare caches float for float.
//   [n_blocks][n_layers][K|V][n_kv_heads][block_size_tokens][head_dim]   fp32
//
//   KvLayout layout{.n_layers = 28, .n_kv_heads = 2, .head_dim = 128, .block_size_tokens = 16,
//                   .n_blocks = 4096};
//   size_t i = layout.offset(block, layer, /*kv=*/0, kv_head) + slot * layout.head_dim;
#pragma once

#include <cstddef>
#include <cstdint>

namespace boxed::inference::cuda {

struct KvLayout {
  int n_layers = 0;
  int n_kv_heads = 0;
  int head_dim = 0;
  int block_size_tokens = 16;
  int n_blocks = 0;

#if defined(__CUDACC__)
  __host__ __device__
#endif
  size_t floats_per_block() const {
    return size_t{2} * n_layers * n_kv_heads * block_size_tokens * head_dim;
  }
  // First float of [block_size_tokens, head_dim] of one block, layer, K (kv = 0) or V (1), head.
#if defined(__CUDACC__)
  __host__ __device__
#endif
  size_t offset(int block, int layer, int kv, int kv_head) const {
    return floats_per_block() * static_cast<size_t>(block) +
           ((static_cast<size_t>(layer) * 2 + kv) * n_kv_heads + kv_head) *
               static_cast<size_t>(block_size_tokens) * head_dim;
  }
};

}  // namespace boxed::inference::cuda
