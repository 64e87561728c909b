// The grouped dot products of dot.h (dot_accumulate, dot4x4_accumulate, dot4_bf16) and the
// matmul tile path built on them give each result the bits of dot() — the determinism contract
// every CPU op relies on — for lengths with and without a leftover part of 16 lanes, and with
// values whose sums depend on the order of rounding.
#include "inference/cpu/dot.h"
#include "inference/cpu/matmul.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace boxed::inference::cpu {
namespace {

// Values spread over many binades, so that a different order of additions or a missing fused
// rounding changes the low bits of the result.
std::vector<float> spread_values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-12, 12);
  std::vector<float> v(n);
  for (float& x : v) x = std::ldexp(normal(rng), exponent(rng));
  return v;
}

uint32_t bits(float f) { return std::bit_cast<uint32_t>(f); }

constexpr int kLengths[] = {1, 7, 15, 16, 17, 31, 33, 64, 100, 896, 901};

TEST(Dot, Dot4Bf16EqualsDot) {
  for (int n : kLengths) {
    const std::vector<float> x = spread_values(n, 3 + n), w = spread_values(4 * n, 4 + n);
    float out[4];
    // BF16 rows: the top halves of w's floats; dot() over the widened values.
    std::vector<uint16_t> w16(w.size());
    std::vector<float> widened(w.size());
    for (size_t i = 0; i < w.size(); ++i) {
      w16[i] = static_cast<uint16_t>(bits(w[i]) >> 16);
      widened[i] = std::bit_cast<float>(static_cast<uint32_t>(w16[i]) << 16);
    }
    dot4_bf16(x.data(), w16.data(), w16.data() + n, w16.data() + 2 * n, w16.data() + 3 * n, n, out);
    for (int r = 0; r < 4; ++r) {
      ASSERT_EQ(bits(out[r]), bits(dot(x.data(), widened.data() + r * n, n)))
          << "dot4_bf16 n=" << n << " row " << r;
    }
  }
}

// The tile path of matmul walks k in chunks; any split at a multiple of 16 keeps the bits, for
// the four-by-four kernel and for dot()'s own lane loop.
TEST(Dot, AccumulatingInChunksEqualsDot) {
  for (int n : kLengths) {
    for (int chunk : {16, 32, 256}) {
      const size_t stride = static_cast<size_t>(n) + 5;
      const std::vector<float> x = spread_values(4 * stride, 11 + n), w = spread_values(4 * stride, 12 + n);
      Lanes4x4 acc;
      clear(acc);
      float lanes[kLanes] = {};
      for (int k0 = 0; k0 < n; k0 += chunk) {
        const int k1 = std::min(n, k0 + chunk);
        dot4x4_accumulate(x.data(), stride, w.data(), stride, k0, k1, acc);
        dot_accumulate(x.data() + k0, w.data() + k0, k1 - k0, lanes);
      }
      float out[16];
      reduce(acc, out);
      for (int t = 0; t < 4; ++t) {
        for (int r = 0; r < 4; ++r) {
          const float want = dot(x.data() + t * stride, w.data() + r * stride, n);
          ASSERT_EQ(bits(out[4 * t + r]), bits(want))
              << "n=" << n << " chunk " << chunk << " token " << t << " row " << r;
        }
      }
      ASSERT_EQ(bits(reduce_lanes(lanes)), bits(dot(x.data(), w.data(), n))) << "n=" << n << " chunk " << chunk;
    }
  }
}

// matmul's tile path (4 or more tokens) on fp32 weights, for widths below, at and past its k
// chunk, with and without a leftover part of 16 lanes, leftover tokens and rows: every output is
// dot() over its row.
TEST(Dot, MatmulTilePathEqualsDotAtAnyWidth) {
  constexpr int kRows = 19;
  for (int in : {16, 100, 256, 257, 600, 901}) {
    for (int n : {4, 5, 8, 11}) {
      const std::vector<float> x = spread_values(static_cast<size_t>(n) * in, 20 + in + n);
      const std::vector<float> w = spread_values(static_cast<size_t>(kRows) * in, 21 + in);
      const model::TensorView view{.name = "w", .dtype = model::DType::kF32, .shape = {kRows, in},
                                   .data = reinterpret_cast<const std::byte*>(w.data())};
      std::vector<float> y(static_cast<size_t>(n) * kRows, -7.0f);
      matmul(x.data(), n, view, nullptr, y.data());
      for (int t = 0; t < n; ++t) {
        for (int r = 0; r < kRows; ++r) {
          const float want = dot(x.data() + static_cast<size_t>(t) * in, w.data() + static_cast<size_t>(r) * in, in);
          ASSERT_EQ(bits(y[static_cast<size_t>(t) * kRows + r]), bits(want))
              << "in=" << in << " n=" << n << " token " << t << " row " << r;
        }
      }
    }
  }
}

// The lane order is dot()'s and not a plain left-to-right sum: a test that dot() itself is what
// the header says (16 lanes of fused multiply-adds, then the pairwise tree).
TEST(Dot, DotIsSixteenLanesThenAPairwiseTree) {
  const int n = 53;
  const std::vector<float> a = spread_values(n, 9), b = spread_values(n, 10);
  float lanes[kLanes] = {};
  for (int k = 0; k < n; ++k) lanes[k % kLanes] = std::fma(a[k], b[k], lanes[k % kLanes]);
  for (int width = kLanes / 2; width >= 1; width /= 2) {
    for (int j = 0; j < width; ++j) lanes[j] += lanes[j + width];
  }
  EXPECT_EQ(bits(dot(a.data(), b.data(), n)), bits(lanes[0]));
}

}  // namespace
}  // namespace boxed::inference::cpu
