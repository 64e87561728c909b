// K and V of a batch's tokens into the paged cache (the copy_n lines of cpu/forward.cc): the
// token at position p of sequence s writes slot p % block_size of block
// block_tables[s · max_blocks_per_seq + p / block_size], for every KV head, at `layer`, in the
// cache's element type (layout.dtype: rounded to nearest even for bf16, exact for fp32).
// Bytes: reads 2 · n · n_kv_heads · head_dim · 4 (+ ids), writes 2 · n · n_kv_heads · head_dim ·
// layout.element_bytes() into the cache.
//
//   kv_write(stream, k_dev, v_dev, n_tokens, positions_dev, seq_ids_dev, tables_dev,
//            max_blocks_per_seq, layout, layer, cache_dev);
#pragma once

#include <cstdint>

#include "inference/cuda/kv_layout.h"
#include "inference/cuda/runtime.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

// k, v: [n, n_kv_heads, head_dim]; cache: layout.bytes_per_block() · n_blocks bytes.
void kv_write(Stream& stream, const float* k, const float* v, int n, const int32_t* positions,
              const int32_t* seq_ids, const int32_t* block_tables, int max_blocks_per_seq,
              const KvLayout& layout, int layer, void* cache);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
