// The paged KV cache's layout on the device: one block holds every layer's K and V of
// block_size_tokens positions, so the copy-on-write of a shared block (plan.copies) is one
// contiguous device copy.
//   [n_blocks][n_layers][K|V][n_kv_heads][block_size_tokens][head_dim]   dtype: bf16 or fp32
// Elements are bf16 by default: half the bytes the decode attention streams at long contexts and
// twice the sequences a pool of a given size holds. fp32 holds K and V exactly as the CPU cache
// (cpu/kv_cache.h) does, for parity with the CPU reference.
//
//   KvLayout layout{.n_layers = 28, .n_kv_heads = 2, .head_dim = 128, .block_size_tokens = 16,
//                   .n_blocks = 4096, .dtype = KvDtype::kBf16};
//   size_t i = layout.offset(block, layer, /*kv=*/0, kv_head) + slot * layout.head_dim;  // elements
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__CUDACC__)
#define BOXED_KV_HD __host__ __device__
#else
#define BOXED_KV_HD
#endif

namespace boxed::inference::cuda {

enum class KvDtype : uint8_t { kBf16, kF32 };

inline const char* kv_dtype_name(KvDtype d) { return d == KvDtype::kBf16 ? "bf16" : "f32"; }

struct KvLayout {
  int n_layers = 0;
  int n_kv_heads = 0;
  int head_dim = 0;
  int block_size_tokens = 16;
  int n_blocks = 0;
  KvDtype dtype = KvDtype::kBf16;

  BOXED_KV_HD size_t element_bytes() const { return dtype == KvDtype::kBf16 ? 2 : 4; }
  BOXED_KV_HD size_t elements_per_block() const {
    return size_t{2} * n_layers * n_kv_heads * block_size_tokens * head_dim;
  }
  BOXED_KV_HD size_t bytes_per_block() const { return elements_per_block() * element_bytes(); }
  // K and V of one position, all layers.
  BOXED_KV_HD size_t bytes_per_token() const {
    return size_t{2} * n_layers * n_kv_heads * head_dim * element_bytes();
  }
  // First element of [block_size_tokens, head_dim] of one block, layer, K (kv = 0) or V (1), head.
  BOXED_KV_HD size_t offset(int block, int layer, int kv, int kv_head) const {
    return elements_per_block() * static_cast<size_t>(block) +
           ((static_cast<size_t>(layer) * 2 + kv) * n_kv_heads + kv_head) *
               static_cast<size_t>(block_size_tokens) * head_dim;
  }
};

}  // namespace boxed::inference::cuda

#undef BOXED_KV_HD
