// The block encoders (inference/model/quant/quantize.h) against the independent decoders
// (blocks_32.h, blocks_k.h, bit-exact to the gguf package):
// - blocks built from grid values (a representable scale, levels that reach the extremes) come
//   back bit for bit, which checks every bit of each packed layout;
// - on Gaussian and heavy-tailed data the squared error is never above that of the plain
//   "extreme value onto the extreme level" encoding written here (the reference encoders'
//   choice, ggml-quants.c quantize_row_*_ref), and within the uniform-noise bound step²/12 of
//   that encoding's step;
// - bad input is refused.
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "inference/model/dtype.h"
#include "inference/model/quant/dequantize.h"
#include "inference/model/quant/fit.h"
#include "inference/model/quant/quantize.h"
#include "tests/inference/model/quantize_reference.h"

namespace boxed::inference::model {
namespace {

using testing::reference_sse;


float random_half(std::mt19937& rng, float lo, float hi) {
  return quant::round_to_half(std::uniform_real_distribution<float>(lo, hi)(rng));
}

int random_int(std::mt19937& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

// Values on the grid of one block of `t`, built with the decoders' own arithmetic, such that the
// scale-search starting point recovers the grid exactly: each group holds its extreme level.
std::vector<float> grid_block(DType t, std::mt19937& rng) {
  std::vector<float> x;
  if (t == DType::kQ8_0 || t == DType::kQ4_0 || t == DType::kQ5_0) {
    const int lo = t == DType::kQ8_0 ? -127 : t == DType::kQ4_0 ? -8 : -16;
    const int hi = t == DType::kQ8_0 ? 127 : -lo - 1;
    const float d = random_half(rng, 1e-3f, 0.5f);
    for (int i = 0; i < 32; ++i) x.push_back(d * static_cast<float>(i == 5 ? lo : random_int(rng, lo + 1, hi)));
  } else if (t == DType::kQ4_1 || t == DType::kQ5_1) {
    const int qmax = t == DType::kQ4_1 ? 15 : 31;
    const float d = random_half(rng, 1e-3f, 0.5f), m = random_half(rng, -2.0f, 2.0f);
    for (int i = 0; i < 32; ++i) {
      const int q = i == 3 ? 0 : i == 17 ? qmax : random_int(rng, 0, qmax);
      x.push_back(d * static_cast<float>(q) + m);
    }
  } else if (t == DType::kQ4_K || t == DType::kQ5_K) {
    const int qmax = t == DType::kQ4_K ? 15 : 31;
    const float d = random_half(rng, 1e-4f, 0.01f), dmin = random_half(rng, 1e-4f, 0.01f);
    for (int j = 0; j < 8; ++j) {
      const int sc = j == 2 ? 63 : random_int(rng, 1, 63), mn = j == 6 ? 63 : random_int(rng, 0, 63);
      for (int l = 0; l < 32; ++l) {
        const int q = l == 0 ? 0 : l == 31 ? qmax : random_int(rng, 0, qmax);
        x.push_back(d * static_cast<float>(sc) * static_cast<float>(q) - dmin * static_cast<float>(mn));
      }
    }
  } else if (t == DType::kQ6_K) {
    const float d = random_half(rng, 1e-4f, 0.01f);
    for (int j = 0; j < 16; ++j) {
      const int sc = j == 9 ? -128 : random_int(rng, -100, 100);
      for (int l = 0; l < 16; ++l) {
        const int level = l == 7 ? -32 : random_int(rng, -31, 31);
        x.push_back(d * static_cast<float>(sc) * static_cast<float>(level));
      }
    }
  }
  return x;
}

class EncoderTest : public ::testing::TestWithParam<DType> {};

TEST_P(EncoderTest, GridValuesComeBackBitForBit) {
  std::mt19937 rng(17);
  for (int trial = 0; trial < 200; ++trial) {
    const std::vector<float> x = grid_block(GetParam(), rng);
    ASSERT_EQ(static_cast<int64_t>(x.size()), dtype_block_elems(GetParam()));
    const std::vector<float> y = testing::encode_decode(GetParam(), x);
    for (size_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(x[i], y[i]) << dtype_name(GetParam()) << " trial " << trial << " element " << i;
    }
  }
}

TEST_P(EncoderTest, ErrorWithinTheReferenceEncodingOnSyntheticData) {
  const DType t = GetParam();
  std::mt19937 rng(5);
  std::normal_distribution<float> gauss(0.0f, 0.02f);
  std::student_t_distribution<float> heavy(3.0f);  // weights have heavy tails
  const int64_t n = 256 * 64;
  for (int kind = 0; kind < 3; ++kind) {
    std::vector<float> x(n);
    for (float& v : x) {
      v = kind == 0 ? gauss(rng) : kind == 1 ? 0.01f * heavy(rng) : 0.03f + gauss(rng);  // 2: offset
    }
    const std::vector<float> y = testing::encode_decode(t, x);
    const testing::ReferenceError ref = reference_sse(t, x);
    EXPECT_LE(testing::squared_error(x, y), ref.sse) << dtype_name(t) << " data kind " << kind;
    // The reference encoding itself is a uniform quantizer: within 1.5 × step²/12 per element
    // (the factor leaves room for clipping at the fp16/6-bit scales).
    EXPECT_LE(ref.sse, 1.5 * ref.step2_over_12) << dtype_name(t) << " data kind " << kind;
  }
}

TEST_P(EncoderTest, ZerosAndConstantsStayExact) {
  const DType t = GetParam();
  const int64_t n = dtype_block_elems(t) * 2;
  EXPECT_EQ(testing::encode_decode(t, std::vector<float>(n, 0.0f)), std::vector<float>(n, 0.0f)) << dtype_name(t);
  // A constant block (no spread to fit a scale to): every value within 1% of the constant.
  for (float c : {-0.375f, 0.0625f, 3.0f}) {
    for (float v : testing::encode_decode(t, std::vector<float>(n, c))) {
      ASSERT_NEAR(v, c, 0.01f * std::fabs(c)) << dtype_name(t);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BlockTypes, EncoderTest,
                         ::testing::Values(DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1,
                                           DType::kQ8_0, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

TEST(EncoderErrors, RefusesPartialBlocksUnencodableTypesAndNonFiniteValues) {
  std::vector<float> x(256, 1.0f);
  std::vector<std::byte> out(4096);
  EXPECT_THROW(quant::quantize_row(DType::kQ4_K, x.data(), 128, out.data()), std::invalid_argument);
  EXPECT_THROW(quant::quantize_row(DType::kQ8_0, x.data(), 48, out.data()), std::invalid_argument);
  EXPECT_THROW(quant::quantize_row(DType::kQ2_K, x.data(), 256, out.data()), std::invalid_argument);
  EXPECT_THROW(quant::quantize_row(DType::kI32, x.data(), 256, out.data()), std::invalid_argument);
  x[77] = std::nanf("");
  EXPECT_THROW(quant::quantize_row(DType::kQ6_K, x.data(), 256, out.data()), std::domain_error);
  x[77] = 1e30f;  // the block scale would overflow fp16
  EXPECT_THROW(quant::quantize_row(DType::kQ8_0, x.data(), 256, out.data()), std::domain_error);
}

TEST(EncoderFloat, FloatTypesAreConversions) {
  const std::vector<float> x = {1.0f, -2.5f, 3.14159f, 65504.0f, 1e-8f, 0.1f};
  std::vector<std::byte> out(x.size() * 4);
  quant::quantize_row(DType::kF32, x.data(), 6, out.data());
  EXPECT_EQ(std::memcmp(out.data(), x.data(), 24), 0);
  quant::quantize_row(DType::kBF16, x.data(), 6, out.data());
  std::vector<float> back(6);
  convert_to_f32(DType::kBF16, out.data(), 6, back.data());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(back[i], bf16_to_f32(f32_to_bf16(x[i])));
  quant::quantize_row(DType::kF16, x.data(), 6, out.data());
  convert_to_f32(DType::kF16, out.data(), 6, back.data());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(back[i], f16_to_f32(f32_to_f16(x[i])));
}

}  // namespace
}  // namespace boxed::inference::model
