#include "inference/cpu/attention.h"

#include <algorithm>
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
  // Position t's key or value row: slot t % block size of block block_table[t / block size].
  const auto row = [&](bool key, int t) {
    const int block = block_table[t / block_size];
    return (key ? cache.key(block, layer, kv_head) : cache.value(block, layer, kv_head)) +
           static_cast<size_t>(t % block_size) * head_dim;
  };

  thread_local std::vector<float> scores;
  scores.resize(static_cast<size_t>(position) + 1);
  float max_score = -INFINITY;
  int t0 = 0;
#if defined(__AVX512F__)
  // Sixteen positions at a time when the head is whole 16-lane vectors: each score is the same
  // FMA lanes as dot() (q in registers, one zmm per 16 elements of k), and the 16 lane trees are
  // reduced together (reduce_lanes_16), so the bits are dot()'s; per position the lane tree was
  // most of the work at short head dims.
  if (head_dim % kLanes == 0 && head_dim <= 8 * kLanes) {
    const int vecs = head_dim / kLanes;
    __m512 qv[8];
    for (int i = 0; i < vecs; ++i) qv[i] = _mm512_loadu_ps(qh + i * kLanes);
    for (; t0 + 16 <= position + 1; t0 += 16) {
      __m512 acc[16];
      for (int j = 0; j < 16; ++j) {
        const float* k = row(true, t0 + j);
        __m512 a = _mm512_setzero_ps();  // fma onto +0, as dot() starts (not a plain multiply:
                                         // -0 + +0 is +0)
        for (int i = 0; i < vecs; ++i) a = _mm512_fmadd_ps(qv[i], _mm512_loadu_ps(k + i * kLanes), a);
        acc[j] = a;
      }
      float dots[16];
      reduce_lanes_16(acc, dots);
      for (int j = 0; j < 16; ++j) {
        scores[t0 + j] = dots[j] * scale;
        max_score = std::max(max_score, scores[t0 + j]);
      }
    }
  }
#endif
  for (int t = t0; t <= position; ++t) {
    scores[t] = dot(qh, row(true, t), head_dim) * scale;
    max_score = std::max(max_score, scores[t]);
  }
  float sum = 0;
  for (int t = 0; t <= position; ++t) {
    scores[t] = std::exp(scores[t] - max_score);
    sum += scores[t];
  }
  const float inv_sum = 1.0f / sum;
#if defined(__AVX512F__)
  // The same fma chain per element, in ascending t, with the output in registers instead of a
  // load-fma-store through memory per position (whose store-to-load latency bounded the loop);
  // the value rows walked block by block.
  if (head_dim % kLanes == 0 && head_dim <= 8 * kLanes) {
    const int vecs = head_dim / kLanes;
    __m512 o[8];
    for (int i = 0; i < vecs; ++i) o[i] = _mm512_setzero_ps();
    for (int t_block = 0; t_block <= position; t_block += block_size) {
      const float* v = row(false, t_block);
      const int end = std::min(position + 1, t_block + block_size);
      for (int t = t_block; t < end; ++t, v += head_dim) {
        const __m512 weight = _mm512_set1_ps(scores[t] * inv_sum);
        for (int i = 0; i < vecs; ++i) o[i] = _mm512_fmadd_ps(weight, _mm512_loadu_ps(v + i * kLanes), o[i]);
      }
    }
    for (int i = 0; i < vecs; ++i) _mm512_storeu_ps(oh + i * kLanes, o[i]);
    return;
  }
#endif
  for (int d = 0; d < head_dim; ++d) oh[d] = 0;
  for (int t = 0; t <= position; ++t) {
    const float weight = scores[t] * inv_sum;
    const float* v = row(false, t);
    for (int d = 0; d < head_dim; ++d) oh[d] = std::fma(weight, v[d], oh[d]);
  }
}

}  // namespace boxed::inference::cpu
