// The CPU matmul on GGML quantized weights: the decode path (quant_dot, blocks decoded on the
// stack) and the tile path (convert_to_f32 of a tile) both give every y element the bits of
// dot(x_t, dequantised row) — for every block type, any token count and any thread count — and
// a quantized embedding row is its dequantised row. Weights come from the dequant goldens
// (tests/data/golden/dequant: real-tensor slices and random blocks), whose values are checked
// against the gguf package in tests/inference/model/dequant_test.cc.
#include <bit>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "inference/cpu/dot.h"
#include "inference/cpu/embedding.h"
#include "inference/cpu/matmul.h"
#include "inference/cpu/quant_dot.h"
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
