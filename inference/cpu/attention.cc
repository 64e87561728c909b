#include "inference/cpu/attention.h"

#include <cmath>
#include <vector>

#include "inference/cpu/dot.h"

namespace boxed::inference::cpu {

void attend_head(const float* q, int head, int n_heads, const KvCache& cache, int layer,
                 std::span<const int32_t> block_table, int position, float* out) {
  const KvCacheShape& shape = cache.shape();
  const int head_dim = shape.head_dim;
  const int block_size = shape.block_size_tokens;
  const int kv_head = head / (n_heads / shape.n_kv_heads);
  const float* qh = q + static_cast<size_t>(head) * head_dim;
  float* oh = out + static_cast<size_t>(head) * head_dim;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));

  thread_local std::vector<float> scores;
  scores.resize(static_cast<size_t>(position) + 1);
  float max_score = -INFINITY;
  for (int t = 0; t <= position; ++t) {
    const float* k = cache.key(block_table[t / block_size], layer, kv_head) +
                     static_cast<size_t>(t % block_size) * head_dim;
    scores[t] = dot(qh, k, head_dim) * scale;
    max_score = std::max(max_score, scores[t]);
  }
  float sum = 0;
  for (int t = 0; t <= position; ++t) {
    scores[t] = std::exp(scores[t] - max_score);
    sum += scores[t];
  }
  const float inv_sum = 1.0f / sum;
  for (int d = 0; d < head_dim; ++d) oh[d] = 0;
  for (int t = 0; t <= position; ++t) {
    const float weight = scores[t] * inv_sum;
    const float* v = cache.value(block_table[t / block_size], layer, kv_head) +
                     static_cast<size_t>(t % block_size) * head_dim;
    for (int d = 0; d < head_dim; ++d) oh[d] = std::fma(weight, v[d], oh[d]);
  }
}

}  // namespace boxed::inference::cpu
