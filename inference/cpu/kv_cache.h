// The paged key/value cache of the CPU forward: a pool of fixed-size blocks, each holding
// block_size_tokens positions of K and V for every layer and KV head, in fp32.
//
//   KvCache cache({.n_layers = 28, .n_kv_heads = 2, .head_dim = 128, .n_blocks = 4096});
//   float* k = cache.key(block, layer, kv_head);   // [block_size_tokens, head_dim]
//   cache.copy_block(shared_block, private_block); // copy-on-write before a sample diverges
//
// Layout: [n_layers][K|V][n_kv_heads][n_blocks][block_size_tokens][head_dim]: one layer and
// head's blocks side by side, so attention over a sequence whose blocks have consecutive ids
// reads one contiguous run. With the block outermost, each block's 4 KiB of a head sat
// 2 · layers · KV heads · 4 KiB from the next (384 KiB for Qwen2.5-0.5B): one token's attention over 16k positions of one KV group took 1.73–1.86
// ms against 1.40–1.44 ms now, even with a 1-layer cache (forward_bench BM_AttendGroup/16383,
// CPU time, 2026-12-03). copy_block copies the block's run of every layer and head. Which
// sequence owns which block (block tables, reference counts, copy-on-write) is the scheduler's
// business; the cache only stores.
#pragma once

#include <cstddef>
#include <vector>

namespace boxed::inference::cpu {

struct KvCacheShape {
  int n_layers = 0;
  int n_kv_heads = 0;
  int head_dim = 0;
  int block_size_tokens = 16;
  int n_blocks = 0;
};

class KvCache {
 public:
  explicit KvCache(const KvCacheShape& shape);  // throws std::invalid_argument on a bad shape

  const KvCacheShape& shape() const { return shape_; }
  static size_t bytes_per_block(const KvCacheShape& shape);

  // All layers, K and V, of src_block copied over dst_block (a no-op when equal).
  void copy_block(int src_block, int dst_block);

  // [block_size_tokens, head_dim] of one block, layer and KV head.
  float* key(int block, int layer, int kv_head) { return slot(block, layer, 0, kv_head); }
  float* value(int block, int layer, int kv_head) { return slot(block, layer, 1, kv_head); }
  const float* key(int block, int layer, int kv_head) const;
  const float* value(int block, int layer, int kv_head) const;

 private:
  float* slot(int block, int layer, int kv, int kv_head);
  size_t offset(int block, int layer, int kv, int kv_head) const;

  KvCacheShape shape_;
  size_t floats_per_block_ = 0;
  std::vector<float> data_;
};

}  // namespace boxed::inference::cpu
