#include "inference/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "inference/cpu/dot.h"

namespace boxed::inference::cpu {

namespace {

#if defined(__AVX512F__)
// Scores of positions 0..(a multiple of 16) for the count heads, sixteen positions at a time:
// each score is the same FMA lanes as dot() (q in registers, one zmm per 16 elements of k), the
// 16 lane trees reduced together (reduce_lanes_16), so the bits are dot()'s; per position the
// lane tree was most of the work at short head dims. The key rows of the next 16 positions are
// prefetched while these are used by every head. Returns the first position not scored.
template <int kVecs, class Rows16>
int scores16(const float* q, int first, int count, int head_dim, int n_pos, float scale,
             const Rows16& rows16, float* scores, float* max_score) {
  int t0 = 0;
  const float* k[16];
  const float* next[16];
  struct alignas(64) Lanes {
    float v[16];
  };
  thread_local std::vector<Lanes> lane_max;  // [count]: each head's running maximum per lane
  lane_max.resize(count);
  for (Lanes& m : lane_max) std::fill_n(m.v, 16, -INFINITY);
  if (n_pos >= 16) rows16(0, k);
  for (; t0 + 16 <= n_pos; t0 += 16) {
    if (t0 + 32 <= n_pos) {
      rows16(t0 + 16, next);
      for (int j = 0; j < 16; ++j) {
        for (int i = 0; i < kVecs; ++i) _mm_prefetch(reinterpret_cast<const char*>(next[j] + i * kLanes), _MM_HINT_T0);
      }
    }
    for (int hh = 0; hh < count; ++hh) {
      const float* qh = q + static_cast<size_t>(first + hh) * head_dim;
      __m512 qv[kVecs];
      for (int i = 0; i < kVecs; ++i) qv[i] = _mm512_loadu_ps(qh + i * kLanes);
      __m512 acc[16];
      for (int j = 0; j < 16; ++j) {
        __m512 a = _mm512_setzero_ps();  // fma onto +0, as dot() starts (not a plain multiply:
                                         // -0 + +0 is +0)
        for (int i = 0; i < kVecs; ++i) a = _mm512_fmadd_ps(qv[i], _mm512_loadu_ps(k[j] + i * kLanes), a);
        acc[j] = a;
      }
      float* s = scores + static_cast<size_t>(hh) * n_pos;
      reduce_lanes_16(acc, s + t0);
      // dots * scale, the same multiplication as a scalar's; the running maximum per lane keeps
      // std::max's treatment of a NaN score (dropped: the NaN is the second operand).
      const __m512 scaled = _mm512_mul_ps(_mm512_loadu_ps(s + t0), _mm512_set1_ps(scale));
      _mm512_storeu_ps(s + t0, scaled);
      _mm512_store_ps(lane_max[hh].v, _mm512_maskz_max_ps(0xffff, scaled, _mm512_load_ps(lane_max[hh].v)));
    }
    if (t0 + 32 <= n_pos) std::copy_n(next, 16, k);
  }
  for (int hh = 0; hh < count; ++hh) {
    for (float m : lane_max[hh].v) max_score[hh] = std::max(max_score[hh], m);
  }
  return t0;
}

// The weighted sum of values (weights: each head's scores times its 1 / Σ, [count][n_pos]): per
// element one fma chain in ascending t, kept in registers over a block's positions (a
// load-fma-store through memory per position was bound by store-to-load latency), each block's
// value rows shared by the group's heads from L1 and the next block's prefetched.
template <int kVecs, class ValueBlock>
void values(int first, int count, int head_dim, int n_pos, int block_size, const ValueBlock& value_block,
            const float* weights, float* out) {
  const auto out_of = [&](int hh) { return out + static_cast<size_t>(first + hh) * head_dim; };
  for (int hh = 0; hh < count; ++hh) std::fill_n(out_of(hh), head_dim, 0.0f);
  for (int t_block = 0; t_block < n_pos; t_block += block_size) {
    const float* v_block = value_block(t_block);
    const int end = std::min(n_pos, t_block + block_size);
    if (end < n_pos) {
      const auto* next = reinterpret_cast<const char*>(value_block(end));
      const size_t bytes = static_cast<size_t>(std::min(block_size, n_pos - end)) * head_dim * sizeof(float);
      for (size_t line = 0; line < bytes; line += 64) _mm_prefetch(next + line, _MM_HINT_T0);
    }
    for (int hh = 0; hh < count; ++hh) {
      const float* s = weights + static_cast<size_t>(hh) * n_pos;
      __m512 o[kVecs];
      for (int i = 0; i < kVecs; ++i) o[i] = _mm512_loadu_ps(out_of(hh) + i * kLanes);
      const float* v = v_block;
      for (int t = t_block; t < end; ++t, v += head_dim) {
        const __m512 weight = _mm512_set1_ps(s[t]);
        for (int i = 0; i < kVecs; ++i) o[i] = _mm512_fmadd_ps(weight, _mm512_loadu_ps(v + i * kLanes), o[i]);
      }
      for (int i = 0; i < kVecs; ++i) _mm512_storeu_ps(out_of(hh) + i * kLanes, o[i]);
    }
  }
}

// f(std::integral_constant<int, vecs>) for vecs in 1..8 (zmm per head row).
template <class F>
void with_vecs(int vecs, const F& f) {
  switch (vecs) {
    case 1: return f(std::integral_constant<int, 1>{});
    case 2: return f(std::integral_constant<int, 2>{});
    case 3: return f(std::integral_constant<int, 3>{});
    case 4: return f(std::integral_constant<int, 4>{});
    case 5: return f(std::integral_constant<int, 5>{});
    case 6: return f(std::integral_constant<int, 6>{});
    case 7: return f(std::integral_constant<int, 7>{});
    default: return f(std::integral_constant<int, 8>{});
  }
}
#endif

// Query heads first..first+count-1, all of one KV head. Every head's arithmetic is the same
// sequence of operations whatever `count` is (so attend_group has attend_head's bits); only the
// loop order differs: positions outside, heads inside, so each key and value row is read from
// memory once for the whole group and then from L1.
void attend_heads(const float* q, int first, int count, int n_heads, const KvCache& cache, int layer,
                  std::span<const int32_t> block_table, int position, float* out) {
  const KvCacheShape& shape = cache.shape();
  const int head_dim = shape.head_dim;
  const int block_size = shape.block_size_tokens;
  const int kv_head = first / (n_heads / shape.n_kv_heads);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const int n_pos = position + 1;
  // Position t's key or value row: slot t % block size of block block_table[t / block size].
  const auto row = [&](bool key, int t) {
    const int block = block_table[t / block_size];
    return (key ? cache.key(block, layer, kv_head) : cache.value(block, layer, kv_head)) +
           static_cast<size_t>(t % block_size) * head_dim;
  };
  const auto q_of = [&](int hh) { return q + static_cast<size_t>(first + hh) * head_dim; };
  const auto out_of = [&](int hh) { return out + static_cast<size_t>(first + hh) * head_dim; };

  thread_local std::vector<float> scores, max_score, inv_sum;  // [count][n_pos], [count], [count]
  scores.resize(static_cast<size_t>(count) * n_pos);
  max_score.assign(count, -INFINITY);
  inv_sum.resize(count);
  const auto scores_of = [&](int hh) { return scores.data() + static_cast<size_t>(hh) * n_pos; };
  int t0 = 0;
#if defined(__AVX512F__)
  // Whole 16-lane vectors per head: scores16 and values below.
  const bool vectors = head_dim % kLanes == 0 && head_dim <= 8 * kLanes;
  if (vectors) {
    const auto rows16 = [&](int t, const float** k) {
      for (int j = 0; j < 16; ++j) k[j] = row(true, t + j);
    };
    with_vecs(head_dim / kLanes, [&](auto vecs) {
      t0 = scores16<decltype(vecs)::value>(q, first, count, head_dim, n_pos, scale, rows16, scores.data(),
                                           max_score.data());
    });
  }
#endif
  for (int hh = 0; hh < count; ++hh) {
    float* s = scores_of(hh);
    for (int t = t0; t < n_pos; ++t) {
      s[t] = dot(q_of(hh), row(true, t), head_dim) * scale;
      max_score[hh] = std::max(max_score[hh], s[t]);
    }
    float sum = 0;
    for (int t = 0; t < n_pos; ++t) {
      s[t] = std::exp(s[t] - max_score[hh]);
      sum += s[t];
    }
    inv_sum[hh] = 1.0f / sum;
  }
#if defined(__AVX512F__)
  if (vectors) {
    for (int hh = 0; hh < count; ++hh) {  // the weights, each the product the scalar path forms
      float* sc = scores_of(hh);
      const __m512 inv = _mm512_set1_ps(inv_sum[hh]);
      int t = 0;
      for (; t + 16 <= n_pos; t += 16) _mm512_storeu_ps(sc + t, _mm512_mul_ps(_mm512_loadu_ps(sc + t), inv));
      for (; t < n_pos; ++t) sc[t] *= inv_sum[hh];
    }
    const auto value_block = [&](int t) { return row(false, t); };
    with_vecs(head_dim / kLanes, [&](auto vecs) {
      values<decltype(vecs)::value>(first, count, head_dim, n_pos, block_size, value_block, scores.data(), out);
    });
    return;
  }
#endif
  for (int hh = 0; hh < count; ++hh) {
    const float* s = scores_of(hh);
    float* oh = out_of(hh);
    for (int d = 0; d < head_dim; ++d) oh[d] = 0;
    for (int t = 0; t < n_pos; ++t) {
      const float weight = s[t] * inv_sum[hh];
      const float* v = row(false, t);
      for (int d = 0; d < head_dim; ++d) oh[d] = std::fma(weight, v[d], oh[d]);
    }
  }
}

}  // namespace

void attend_head(const float* q, int head, int n_heads, const KvCache& cache, int layer,
                 std::span<const int32_t> block_table, int position, float* out) {
  attend_heads(q, head, 1, n_heads, cache, layer, block_table, position, out);
}

void attend_group(const float* q, int kv_head, int n_heads, const KvCache& cache, int layer,
                  std::span<const int32_t> block_table, int position, float* out) {
  const int group = n_heads / cache.shape().n_kv_heads;
  attend_heads(q, kv_head * group, group, n_heads, cache, layer, block_table, position, out);
}

}  // namespace boxed::inference::cpu
