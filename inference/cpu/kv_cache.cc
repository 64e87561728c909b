#include "inference/cpu/kv_cache.h"

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace boxed::inference::cpu {

KvCache::KvCache(const KvCacheShape& shape) : shape_(shape) {
  if (shape.n_layers <= 0 || shape.n_kv_heads <= 0 || shape.head_dim <= 0 ||
      shape.block_size_tokens <= 0 || shape.n_blocks <= 0) {
    throw std::invalid_argument(fmt::format(
        "KvCache: every dimension must be positive, found n_layers {} n_kv_heads {} head_dim {} "
        "block_size_tokens {} n_blocks {}", shape.n_layers, shape.n_kv_heads, shape.head_dim,
        shape.block_size_tokens, shape.n_blocks));
  }
  floats_per_block_ = bytes_per_block(shape) / sizeof(float);
  data_.assign(floats_per_block_ * static_cast<size_t>(shape.n_blocks), 0.0f);
}

size_t KvCache::bytes_per_block(const KvCacheShape& s) {
  return sizeof(float) * 2 * static_cast<size_t>(s.n_layers) * s.n_kv_heads *
         s.block_size_tokens * s.head_dim;
}

void KvCache::copy_block(int src_block, int dst_block) {
  if (src_block < 0 || src_block >= shape_.n_blocks || dst_block < 0 ||
      dst_block >= shape_.n_blocks) {
    throw std::out_of_range(fmt::format("KvCache::copy_block({}, {}): blocks are 0..{}", src_block,
                                        dst_block, shape_.n_blocks - 1));
  }
  if (src_block == dst_block) return;
  const size_t head_floats = static_cast<size_t>(shape_.block_size_tokens) * shape_.head_dim;
  for (int layer = 0; layer < shape_.n_layers; ++layer) {
    for (int kv = 0; kv < 2; ++kv) {
      for (int h = 0; h < shape_.n_kv_heads; ++h) {
        std::memcpy(data_.data() + offset(dst_block, layer, kv, h), data_.data() + offset(src_block, layer, kv, h),
                    head_floats * sizeof(float));
      }
    }
  }
}

size_t KvCache::offset(int block, int layer, int kv, int kv_head) const {
  const size_t head_floats = static_cast<size_t>(shape_.block_size_tokens) * shape_.head_dim;
  const size_t head = (static_cast<size_t>(layer) * 2 + kv) * shape_.n_kv_heads + kv_head;
  return (head * shape_.n_blocks + block) * head_floats;
}

float* KvCache::slot(int block, int layer, int kv, int kv_head) {
  return data_.data() + offset(block, layer, kv, kv_head);
}

const float* KvCache::key(int block, int layer, int kv_head) const {
  return data_.data() + offset(block, layer, 0, kv_head);
}

const float* KvCache::value(int block, int layer, int kv_head) const {
  return data_.data() + offset(block, layer, 1, kv_head);
}

}  // namespace boxed::inference::cpu
