// attend_head and attend_group against the formula their header states, written out here in the
// plainest form:
// scores dot(q_h, k_t) * 1/sqrt(head_dim) in ascending t, a max-subtracted softmax, then
// Σ weight_t · v_t with fused multiply-adds in ascending t. Bit for bit, for head sizes that take
// the 16-positions-at-a-time path (multiples of 16) and one that does not, at positions on both
// sides of whole groups of 16, over shuffled block tables and grouped KV heads.
#include "inference/cpu/attention.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "inference/cpu/dot.h"
#include "inference/cpu/kv_cache.h"

namespace boxed::inference::cpu {
namespace {

std::vector<float> reference_head(const float* q, int head, int n_heads, const KvCache& cache,
                                  int layer, const std::vector<int32_t>& table, int position) {
  const KvCacheShape& s = cache.shape();
  const int kv_head = head / (n_heads / s.n_kv_heads);
  const float* qh = q + static_cast<size_t>(head) * s.head_dim;
  const auto row = [&](bool key, int t) {
    const float* base = key ? cache.key(table[t / s.block_size_tokens], layer, kv_head)
                            : cache.value(table[t / s.block_size_tokens], layer, kv_head);
    return base + static_cast<size_t>(t % s.block_size_tokens) * s.head_dim;
  };
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
  std::vector<float> scores(position + 1);
  float max_score = -INFINITY;
  for (int t = 0; t <= position; ++t) {
    scores[t] = dot(qh, row(true, t), s.head_dim) * scale;
    max_score = std::max(max_score, scores[t]);
  }
  float sum = 0;
  for (int t = 0; t <= position; ++t) {
    scores[t] = std::exp(scores[t] - max_score);
    sum += scores[t];
  }
  const float inv_sum = 1.0f / sum;
  std::vector<float> out(s.head_dim, 0.0f);
  for (int t = 0; t <= position; ++t) {
    const float* v = row(false, t);
    for (int d = 0; d < s.head_dim; ++d) out[d] = std::fma(scores[t] * inv_sum, v[d], out[d]);
  }
  return out;
}

TEST(Attention, AttendHeadAndGroupAreTheStatedFormulaBitForBit) {
  for (int head_dim : {64, 128, 40}) {
    const KvCacheShape shape{.n_layers = 2, .n_kv_heads = 2, .head_dim = head_dim,
                             .block_size_tokens = 16, .n_blocks = 12};
    KvCache cache(shape);
    std::mt19937 rng(static_cast<uint32_t>(head_dim));
    std::normal_distribution<float> normal(0.0f, 1.5f);
    for (int b = 0; b < shape.n_blocks; ++b) {
      for (int l = 0; l < shape.n_layers; ++l) {
        for (int h = 0; h < shape.n_kv_heads; ++h) {
          for (int i = 0; i < shape.block_size_tokens * head_dim; ++i) {
            cache.key(b, l, h)[i] = normal(rng);
            cache.value(b, l, h)[i] = normal(rng);
          }
        }
      }
    }
    const std::vector<int32_t> table = {7, 2, 11, 0, 5, 9, 1, 3, 10, 4};  // 160 positions
    constexpr int kHeads = 6;  // 3 query heads per KV head
    std::vector<float> q(static_cast<size_t>(kHeads) * head_dim);
    for (float& v : q) v = normal(rng);
    for (int position : {0, 14, 15, 16, 31, 47, 100, 159}) {
      std::vector<float> out(q.size(), -7.0f);
      std::vector<float> grouped(q.size(), -7.0f);
      for (int g = 0; g < shape.n_kv_heads; ++g) {
        attend_group(q.data(), g, kHeads, cache, /*layer=*/1, table, position, grouped.data());
      }
      for (int h = 0; h < kHeads; ++h) {
        attend_head(q.data(), h, kHeads, cache, /*layer=*/1, table, position, out.data());
        const std::vector<float> want = reference_head(q.data(), h, kHeads, cache, 1, table, position);
        for (int d = 0; d < head_dim; ++d) {
          const size_t i = static_cast<size_t>(h) * head_dim + d;
          ASSERT_EQ(std::bit_cast<uint32_t>(out[i]), std::bit_cast<uint32_t>(want[d]))
              << "attend_head: head_dim " << head_dim << " position " << position << " head " << h << " d " << d;
          ASSERT_EQ(std::bit_cast<uint32_t>(grouped[i]), std::bit_cast<uint32_t>(want[d]))
              << "attend_group: head_dim " << head_dim << " position " << position << " head " << h << " d " << d;
        }
      }
    }
  }
}

}  // namespace
}  // namespace boxed::inference::cpu
