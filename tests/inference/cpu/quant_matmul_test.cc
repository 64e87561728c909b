// The CPU matmul on GGML quantized weights: the decode path (quant_dot, blocks decoded on the
// stack) and the tile path (convert_to_f32 of a tile) both give every y element the bits of
// dot(x_t, dequantised row) — for every block type, any token count and any thread count — and
// a quantized embedding row is its dequantised row. Weights come from the dequant goldens
// (tests/data/golden/dequant: real-tensor slices and random blocks), whose values are checked
// against the gguf package in tests/inference/model/dequant_test.cc.
// The opt-in int8 decode path (quant_dot_q8.h, Activations::kQ8) is held to what it promises
// instead: Σ w · x̂ over the quantized activations up to float rounding, and x̂ within d / 2 of x.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "inference/cpu/dot.h"
#include "inference/cpu/embedding.h"
#include "inference/cpu/matmul.h"
#include "inference/cpu/quant_dot.h"
#include "inference/cpu/quant_dot_q8.h"
#include "inference/cpu/quant_gemm_q8.h"
#include "inference/model/quant/dequantize.h"
#include "tests/inference/model/dequant_golden.h"

namespace boxed::inference::cpu {
namespace {

using model::DType;

constexpr int kRows = 37;   // not a multiple of the 16-row tile or of 4
constexpr int kCols = 768;  // 3 super-blocks, 24 small blocks

// A [kRows, kCols] tensor of `dtype` whose blocks are the golden blocks in a scrambled order,
// and its dequantisation.
struct QuantTensor {
  std::vector<std::byte> bytes;
  std::vector<float> values;  // [kRows, kCols]
  model::TensorView view;
};

QuantTensor make_tensor(const char* type_name) {
  const auto golden = model::testing::load_dequant_golden(type_name);
  const size_t block_bytes = model::dtype_block_bytes(golden.dtype);
  std::vector<const std::byte*> blocks;
  for (const auto& c : golden.cases) {
    for (size_t b = 0; b + block_bytes <= c.blocks.size(); b += block_bytes) {
      blocks.push_back(c.blocks.data() + b);
    }
  }
  QuantTensor t;
  const size_t n_blocks = kRows * model::dtype_row_bytes(golden.dtype, kCols) / block_bytes;
  t.bytes.resize(n_blocks * block_bytes + 1);
  for (size_t i = 0; i < n_blocks; ++i) {  // offset 1: rows at odd addresses, as in a mapping
    std::memcpy(t.bytes.data() + 1 + i * block_bytes, blocks[(i * 7 + 3) % blocks.size()], block_bytes);
  }
  t.view = {.name = type_name, .dtype = golden.dtype, .shape = {kRows, kCols}, .data = t.bytes.data() + 1};
  t.values.resize(static_cast<size_t>(kRows) * kCols);
  model::quant::dequantize_row(golden.dtype, t.view.data, int64_t{kRows} * kCols, t.values.data());
  return t;
}

std::vector<float> random_x(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n) * kCols);
  for (float& v : x) v = normal(rng);
  return x;
}

class QuantMatmulTest : public ::testing::TestWithParam<const char*> {};

TEST_P(QuantMatmulTest, QuantDotEqualsDotOverDequantisedRow) {
  const QuantTensor w = make_tensor(GetParam());
  const std::vector<float> x = random_x(kMaxQuantDotTokens, 11);
  for (int n_tokens = 1; n_tokens <= kMaxQuantDotTokens; ++n_tokens) {
    for (int r = 0; r < kRows; ++r) {
      float got[kMaxQuantDotTokens];
      quant_dot(w.view.dtype, w.view.row(r), kCols, x.data(), kCols, n_tokens, got, 1);
      float portable[kMaxQuantDotTokens];
      quant_dot_portable(w.view.dtype, w.view.row(r), kCols, x.data(), kCols, n_tokens, portable, 1);
      for (int t = 0; t < n_tokens; ++t) {
        const float want = dot(x.data() + t * kCols, w.values.data() + r * kCols, kCols);
        ASSERT_EQ(std::bit_cast<uint32_t>(got[t]), std::bit_cast<uint32_t>(want))
            << GetParam() << " row " << r << " token " << t << " of " << n_tokens;
        ASSERT_EQ(std::bit_cast<uint32_t>(portable[t]), std::bit_cast<uint32_t>(want))
            << GetParam() << " (portable path) row " << r << " token " << t << " of " << n_tokens;
      }
    }
  }
}

// Several rows at once (the AVX-512 kernels group 4 rows at one token, 2 at two): every count of
// rows, so that groups and leftover rows both occur, keeps each row's bits.
TEST_P(QuantMatmulTest, QuantDotRowsEqualsDotOverEachDequantisedRow) {
  const QuantTensor w = make_tensor(GetParam());
  const std::vector<float> x = random_x(kMaxQuantDotTokens, 12);
  for (int n_tokens = 1; n_tokens <= kMaxQuantDotTokens; ++n_tokens) {
    for (int n_rows = 1; n_rows <= 9; ++n_rows) {
      const int first = (3 * n_rows) % (kRows - 9);
      std::vector<float> got(static_cast<size_t>(kMaxQuantDotTokens) * 16, -7.0f);
      quant_dot_rows(w.view.dtype, w.view.row(first), w.view.row_bytes(), n_rows, kCols, x.data(),
                     kCols, n_tokens, got.data(), 16);
      for (int t = 0; t < kMaxQuantDotTokens; ++t) {
        for (int r = 0; r < 16; ++r) {
          const float value = got[static_cast<size_t>(t) * 16 + r];
          if (t >= n_tokens || r >= n_rows) {
            ASSERT_EQ(value, -7.0f) << "wrote outside the " << n_rows << " x " << n_tokens << " outputs";
            continue;
          }
          const float want = dot(x.data() + t * kCols, w.values.data() + (first + r) * kCols, kCols);
          ASSERT_EQ(std::bit_cast<uint32_t>(value), std::bit_cast<uint32_t>(want))
              << GetParam() << " row " << first + r << " (" << r << " of " << n_rows << ") token "
              << t << " of " << n_tokens;
        }
      }
    }
  }
}

// Decode path (n < 4) and tile path (n >= 4), with a bias, on one and on all threads.
TEST_P(QuantMatmulTest, EveryPathEqualsDotOverDequantisedRows) {
  const QuantTensor w = make_tensor(GetParam());
  std::vector<float> bias_values(kRows);
  for (int r = 0; r < kRows; ++r) bias_values[r] = 0.25f * static_cast<float>(r % 5) - 0.5f;
  const model::TensorView bias{.name = "bias", .dtype = DType::kF32, .shape = {kRows},
                               .data = reinterpret_cast<const std::byte*>(bias_values.data())};
  for (int threads : {1, 0}) {
    std::unique_ptr<tbb::global_control> limit;
    if (threads > 0) {
      limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
    }
    for (int n : {1, 2, 3, 4, 5, 9}) {
      const std::vector<float> x = random_x(n, 100 + n);
      for (const model::TensorView* b : {static_cast<const model::TensorView*>(nullptr), &bias}) {
        std::vector<float> y(static_cast<size_t>(n) * kRows, -7.0f);
        matmul(x.data(), n, w.view, b, y.data());
        for (int t = 0; t < n; ++t) {
          for (int r = 0; r < kRows; ++r) {
            float want = dot(x.data() + t * kCols, w.values.data() + r * kCols, kCols);
            if (b != nullptr) want += bias_values[r];
            ASSERT_EQ(std::bit_cast<uint32_t>(y[t * kRows + r]), std::bit_cast<uint32_t>(want))
                << GetParam() << " n=" << n << " token " << t << " row " << r
                << (b ? " with bias" : "") << " threads " << threads;
          }
        }
      }
    }
  }
}

TEST_P(QuantMatmulTest, EmbeddingRowIsTheDequantisedRow) {
  const QuantTensor w = make_tensor(GetParam());
  const std::vector<int32_t> tokens = {5, 0, kRows - 1, 5};
  std::vector<float> out(tokens.size() * kCols);
  embed(tokens, w.view, out.data());
  for (size_t t = 0; t < tokens.size(); ++t) {
    for (int k = 0; k < kCols; ++k) {
      ASSERT_EQ(std::bit_cast<uint32_t>(out[t * kCols + k]),
                std::bit_cast<uint32_t>(w.values[tokens[t] * kCols + k]))
          << GetParam() << " token " << tokens[t] << " element " << k;
    }
  }
}

// x̂ = d * q of the int8 path for element k.
float dequantized_activation(const Q8Activations& xq, int k) {
  return xq.d[k / kQ8BlockElems] * static_cast<float>(xq.q[k]);
}

// Each block: d = max|x| / 127, the largest |q| is 127, every x̂ within d / 2 of x, the block's
// sum and the per-lane forms consistent with q and d; an all-zero block is all zeros.
TEST(Q8Activations, QuantizeEachBlockOfThirtyTwo) {
  std::vector<float> x = random_x(1, 5);
  std::fill_n(x.begin() + 64, 32, 0.0f);  // block 2 all zero
  x[100] = 1e-30f;                        // block 3: one tiny value among normal ones
  x[200] = -300.0f;                       // block 6: one large outlier
  Q8Activations xq;
  quantize_activations(x.data(), kCols, xq);
  ASSERT_EQ(xq.n, kCols);
  for (int b = 0; b < kCols / kQ8BlockElems; ++b) {
    float amax = 0.0f;
    int max_q = 0, sum16[2] = {0, 0};
    for (int i = 0; i < kQ8BlockElems; ++i) {
      const int k = b * kQ8BlockElems + i;
      amax = std::max(amax, std::fabs(x[k]));
      max_q = std::max(max_q, std::abs(static_cast<int>(xq.q[k])));
      sum16[i / 16] += xq.q[k];
      ASSERT_LE(std::fabs(dequantized_activation(xq, k) - x[k]), 0.5f * xq.d[b] * (1 + 1e-5f))
          << "element " << k;
    }
    EXPECT_EQ(xq.d[b], amax / 127.0f) << "block " << b;
    EXPECT_EQ(max_q, amax > 0 ? 127 : 0) << "block " << b;
    EXPECT_EQ(xq.sum[b], xq.d[b] * static_cast<float>(sum16[0] + sum16[1])) << "block " << b;
    for (int lane = 0; lane < 8; ++lane) {
      EXPECT_EQ(xq.lane_d[8 * b + lane], xq.d[b]);
      EXPECT_EQ(xq.lane_sum16[8 * b + lane], lane == 0 ? sum16[0] : lane == 4 ? sum16[1] : 0);
    }
  }
  EXPECT_THROW(quantize_activations(x.data(), 96, xq), std::invalid_argument);
  // A NaN is not lost: its block's d is NaN (the exact path would give NaN too).
  x[40] = std::numeric_limits<float>::quiet_NaN();
  quantize_activations(x.data(), kCols, xq);
  EXPECT_TRUE(std::isnan(xq.d[1]));
  EXPECT_FALSE(std::isnan(xq.d[0]));
}

// `got`, the int8 product of row r of w with the quantized activations xq of x, against Σ w · x̂
// in double: within float rounding of the scales, i.e. 1e-5 of Σ |x̂| · max |w| (one wrong
// element among the 768 would be ~100 times that); and against the exact product x · w within
// the quantization error Σ |w| · d / 2.
void expect_int8_product(const QuantTensor& w, const float* x, const Q8Activations& xq, int r, float got,
                         const std::string& what) {
  const float* wr = w.values.data() + static_cast<size_t>(r) * kCols;
  double want = 0, exact = 0, abs_x = 0, quant_error = 0;
  float max_w = 0;
  for (int k = 0; k < kCols; ++k) {
    const double xk = dequantized_activation(xq, k);
    want += static_cast<double>(wr[k]) * xk;
    exact += static_cast<double>(wr[k]) * x[k];
    abs_x += std::fabs(xk);
    max_w = std::max(max_w, std::fabs(wr[k]));
    quant_error += std::fabs(wr[k]) * 0.5 * xq.d[k / kQ8BlockElems];
  }
  EXPECT_NEAR(got, want, 1e-5 * abs_x * max_w) << what;
  EXPECT_NEAR(got, exact, quant_error * 1.001 + 1e-5 * abs_x * max_w) << what;
}

// The int8 decode kernels (quant_dot_q8_rows) against Σ w · x̂ and x · w (expect_int8_product):
// every row count (groups of 4 and leftovers), rows at odd addresses.
TEST_P(QuantMatmulTest, Int8PathIsTheProductWithQuantizedActivations) {
  const QuantTensor w = make_tensor(GetParam());
  if (!quant_dot_q8_supported(w.view.dtype, kCols)) {
    GTEST_SKIP() << GetParam() << ": no int8 kernel in this build (the f32 path serves it)";
  }
  const std::vector<float> x = random_x(1, 21);
  Q8Activations xq;
  quantize_activations(x.data(), kCols, xq);
  for (int n_rows : {1, 3, 4, 7, kRows}) {
    std::vector<float> got(kRows + 1, -7.0f);
    ASSERT_TRUE(quant_dot_q8_rows(w.view.dtype, w.view.row(0), w.view.row_bytes(), n_rows, xq, got.data()));
    ASSERT_EQ(got[n_rows], -7.0f) << "wrote past " << n_rows << " rows";
    for (int r = 0; r < n_rows; ++r) {
      expect_int8_product(w, x.data(), xq, r, got[r], fmt::format("{} row {} of {}", GetParam(), r, n_rows));
    }
  }
}

// The batched int8 path (quant_gemm_q8.h), tile by tile (16, 16 and 5 rows), held to the same
// bounds for every token: 19 tokens, two passes of 8 and a leftover 3; nothing written outside
// the tile's rows.
TEST_P(QuantMatmulTest, Int8TilePathIsTheProductWithQuantizedActivations) {
  const QuantTensor w = make_tensor(GetParam());
  if (!quant_dot_q8_supported(w.view.dtype, kCols)) {
    GTEST_SKIP() << GetParam() << ": no int8 kernel in this build (the f32 path serves it)";
  }
  constexpr int kTokens = 19;
  constexpr size_t kStride = kRows + 1;  // a guard column after each token's rows
  const std::vector<float> x = random_x(kTokens, 23);
  std::vector<Q8Activations> xq(kTokens);
  for (int t = 0; t < kTokens; ++t) quantize_activations(x.data() + static_cast<size_t>(t) * kCols, kCols, xq[t]);
  const Q8Batch batch(w.view.dtype, xq.data(), kTokens);
  std::vector<float> got(kStride * kTokens, -7.0f);
  for (int row0 = 0; row0 < kRows; row0 += kTileRows) {
    const int rows = std::min(kTileRows, kRows - row0);
    ASSERT_TRUE(quant_gemm_q8_tile(w.view.dtype, w.view.row(row0), w.view.row_bytes(), rows, batch,
                                   got.data() + row0, kStride));
  }
  for (int t = 0; t < kTokens; ++t) {
    ASSERT_EQ(got[t * kStride + kRows], -7.0f) << "token " << t << ": wrote past the last row";
    for (int r = 0; r < kRows; ++r) {
      expect_int8_product(w, x.data() + static_cast<size_t>(t) * kCols, xq[t], r, got[t * kStride + r],
                          fmt::format("{} token {} row {}", GetParam(), t, r));
    }
  }
}

// matmul with Activations::kQ8, where the type has an int8 kernel: below 4 tokens (decode)
// quant_dot_q8_rows per token, from 4 on quant_gemm_q8_tile per 16-row tile, each + bias, bit
// for bit; where it has none, the f32 path's bits.
TEST_P(QuantMatmulTest, MatmulWithInt8ActivationsUsesTheInt8Paths) {
  const QuantTensor w = make_tensor(GetParam());
  std::vector<float> bias_values(kRows);
  for (int r = 0; r < kRows; ++r) bias_values[r] = 0.5f - 0.125f * static_cast<float>(r % 7);
  const model::TensorView bias{.name = "bias", .dtype = DType::kF32, .shape = {kRows},
                               .data = reinterpret_cast<const std::byte*>(bias_values.data())};
  const bool int8 = quant_dot_q8_supported(w.view.dtype, kCols);
  for (int n : {1, 2, 3, 4, 6, 9}) {
    const std::vector<float> x = random_x(n, 300 + n);
    std::vector<float> got(static_cast<size_t>(n) * kRows), f32(got.size());
    matmul(x.data(), n, w.view, &bias, got.data(), Activations::kQ8);
    matmul(x.data(), n, w.view, &bias, f32.data(), Activations::kF32);
    std::vector<Q8Activations> xq(n);
    for (int t = 0; t < n; ++t) quantize_activations(x.data() + static_cast<size_t>(t) * kCols, kCols, xq[t]);
    std::vector<float> tiles(got.size());
    if (int8 && n >= 4) {
      const Q8Batch batch(w.view.dtype, xq.data(), n);
      for (int row0 = 0; row0 < kRows; row0 += kTileRows) {
        ASSERT_TRUE(quant_gemm_q8_tile(w.view.dtype, w.view.row(row0), w.view.row_bytes(),
                                       std::min(kTileRows, kRows - row0), batch, tiles.data() + row0, kRows));
      }
    }
    for (int t = 0; t < n; ++t) {
      std::vector<float> want(f32.begin() + t * kRows, f32.begin() + (t + 1) * kRows);
      if (int8 && n >= 4) {
        for (int r = 0; r < kRows; ++r) want[r] = tiles[t * kRows + r] + bias_values[r];
      } else if (int8) {
        ASSERT_TRUE(quant_dot_q8_rows(w.view.dtype, w.view.row(0), w.view.row_bytes(), kRows, xq[t], want.data()));
        for (int r = 0; r < kRows; ++r) want[r] += bias_values[r];
      }
      for (int r = 0; r < kRows; ++r) {
        ASSERT_EQ(std::bit_cast<uint32_t>(got[t * kRows + r]), std::bit_cast<uint32_t>(want[r]))
            << GetParam() << " n=" << n << " token " << t << " row " << r;
      }
    }
  }
}

// Q8Batch refuses a type without an int8 kernel and tokens of different lengths, by name;
// quant_gemm_q8_tile refuses a row count outside 1..16 and a batch prepared for another
// group size, writing nothing.
TEST(Q8Batch, RefusesWhatTheTileKernelCannotTake) {
  const std::vector<float> x = random_x(2, 31);
  std::vector<Q8Activations> xq(2);
  quantize_activations(x.data(), kCols, xq[0]);
  quantize_activations(x.data() + kCols, kCols / 2, xq[1]);
  EXPECT_THROW(Q8Batch(DType::kBF16, xq.data(), 1), std::invalid_argument);
  EXPECT_THROW(Q8Batch(DType::kQ8_0, xq.data(), 2), std::invalid_argument);  // 768 and 384 elements
  if (!quant_dot_q8_supported(DType::kQ8_0, kCols)) GTEST_SKIP() << "no int8 kernels in this build";
  const QuantTensor q8 = make_tensor("Q8_0");
  const Q8Batch batch(DType::kQ8_0, xq.data(), 1);
  std::vector<float> y(17, -7.0f);
  EXPECT_FALSE(quant_gemm_q8_tile(DType::kQ8_0, q8.view.row(0), q8.view.row_bytes(), 0, batch, y.data(), 17));
  EXPECT_FALSE(quant_gemm_q8_tile(DType::kQ8_0, q8.view.row(0), q8.view.row_bytes(), 17, batch, y.data(), 17));
  EXPECT_THROW(quant_gemm_q8_tile(DType::kQ6_K, q8.view.row(0), q8.view.row_bytes(), 4, batch, y.data(), 17),
               std::invalid_argument);  // a batch of 32-element groups, Q6_K's are 16
  EXPECT_EQ(std::count(y.begin(), y.end(), -7.0f), 17);
}

INSTANTIATE_TEST_SUITE_P(AllBlockTypes, QuantMatmulTest,
                         ::testing::ValuesIn(model::testing::kDequantTypes),
                         [](const auto& info) { return std::string(info.param); });

TEST(QuantDot, RefusesBadArguments) {
  std::vector<std::byte> row(144);
  float x[256] = {}, out[8];
  EXPECT_THROW(quant_dot(DType::kQ4_K, row.data(), 128, x, 256, 1, out, 1), std::logic_error);
  EXPECT_THROW(quant_dot(DType::kQ4_K, row.data(), 256, x, 256, 5, out, 1), std::logic_error);
  EXPECT_THROW(quant_dot(DType::kBF16, row.data(), 32, x, 32, 1, out, 1), std::logic_error);
}

}  // namespace
}  // namespace boxed::inference::cpu
