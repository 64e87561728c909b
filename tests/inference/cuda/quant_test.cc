// The kernels that read GGUF blocks on the device (quant_matmul.cuh, embed.cuh) against the host
// reference, for every block type: blocks of random bytes (every quant and sub-scale bit pattern)
// with finite fp16 scales, decoded by quant::dequantize_row (checked bit for bit against the
// gguf package in tests/inference/model/dequant_test.cc) and multiplied by cpu::matmul.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "inference/cpu/matmul.h"
#include "inference/cuda/embed.cuh"
#include "inference/cuda/gemm.h"
#include "inference/cuda/quant_matmul.cuh"
#include "inference/model/dtype.h"
#include "inference/model/quant/dequantize.h"
#include "inference/model/safetensors.h"
#include "tests/inference/cuda/cuda_test_support.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

using model::DType;

// Byte offsets of each type's fp16 scale fields (ggml-common.h block structs).
std::vector<int> half_fields(DType t) {
  switch (t) {
    case DType::kQ4_0: case DType::kQ5_0: case DType::kQ8_0: return {0};
    case DType::kQ4_1: case DType::kQ5_1: case DType::kQ4_K: case DType::kQ5_K: return {0, 2};
    case DType::kQ2_K: return {80, 82};
    case DType::kQ3_K: return {108};
    case DType::kQ6_K: return {208};
    default: return {};
  }
}

// rows x cols of `t`: random bytes, then every scale field a random finite fp16 in +-[1/256, 1/16].
std::vector<std::byte> random_blocks(DType t, int rows, int cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::byte> bytes(model::dtype_row_bytes(t, cols) * rows);
  for (std::byte& b : bytes) b = static_cast<std::byte>(rng() & 0xff);
  std::uniform_real_distribution<float> scale(1.0f / 256, 1.0f / 16);
  const size_t block = model::dtype_block_bytes(t);
  for (size_t at = 0; at < bytes.size(); at += block) {
    for (int field : half_fields(t)) {
      const uint16_t h = model::f32_to_f16((rng() & 1 ? -1.0f : 1.0f) * scale(rng));
      bytes[at + field] = static_cast<std::byte>(h & 0xff);
      bytes[at + field + 1] = static_cast<std::byte>(h >> 8);
    }
  }
  return bytes;
}

class QuantKernelTest : public testing::CudaTest, public ::testing::WithParamInterface<DType> {
 protected:
  // Two blocks per row (two super-blocks for the k-quants); 37 rows: not a multiple of the 16 a
  // thread block owns.
  void SetUp() override {
    testing::CudaTest::SetUp();
    if (IsSkipped()) return;
    cols_ = 2 * static_cast<int>(model::dtype_block_elems(GetParam()));
    blocks_ = random_blocks(GetParam(), rows_, cols_, 17 + static_cast<uint32_t>(GetParam()));
    dequantised_.resize(static_cast<size_t>(rows_) * cols_);
    model::quant::dequantize_row(GetParam(), blocks_.data(), int64_t{rows_} * cols_,
                                 dequantised_.data());
    weights_ = upload_matrix(s(), view());
    ASSERT_TRUE(weights_.quantized());
    ASSERT_EQ(weights_.data.bytes(), blocks_.size());
  }

  model::TensorView view() const {
    return {.name = "w", .dtype = GetParam(), .shape = {rows_, cols_}, .data = blocks_.data()};
  }

  const int rows_ = 37;
  int cols_ = 0;
  std::vector<std::byte> blocks_;
  std::vector<float> dequantised_;
  DeviceMatrix weights_;
};

TEST_P(QuantKernelTest, OneHotInputsReadEveryWeightBackExactly) {
  // 11 tokens (a full tile of 8 and 3 more), token t selecting column 7t + 3.
  const int n = 11;
  std::vector<float> x(static_cast<size_t>(n) * cols_, 0.0f);
  for (int t = 0; t < n; ++t) x[static_cast<size_t>(t) * cols_ + (7 * t + 3) % cols_] = 1.0f;
  DeviceBuffer dx = upload(x), dy(sizeof(float) * n * rows_);
  quant_matmul(s(), dx.as<float>(), n, weights_.data.as<uint8_t>(), GetParam(), rows_, cols_,
               nullptr, dy.as<float>());
  const std::vector<float> y = download<float>(dy, static_cast<size_t>(n) * rows_);
  for (int t = 0; t < n; ++t) {
    for (int r = 0; r < rows_; ++r) {
      const float want = dequantised_[static_cast<size_t>(r) * cols_ + (7 * t + 3) % cols_];
      ASSERT_EQ(y[static_cast<size_t>(t) * rows_ + r], want) << "token " << t << ", row " << r;
    }
  }
}

TEST_P(QuantKernelTest, MatchesTheCpuMatmulWithBias) {
  const std::vector<float> bias = random_floats(rows_, 5);
  const model::TensorView bias_view{.name = "b", .dtype = DType::kF32, .shape = {rows_},
                                    .data = reinterpret_cast<const std::byte*>(bias.data())};
  DeviceBuffer db = upload(bias);
  for (int n : {1, 3, 8, 19}) {
    const std::vector<float> x = random_floats(static_cast<size_t>(n) * cols_, 100 + n);
    std::vector<float> want(static_cast<size_t>(n) * rows_);
    cpu::matmul(x.data(), n, view(), &bias_view, want.data());
    DeviceBuffer dx = upload(x), dy(sizeof(float) * want.size());
    quant_matmul(s(), dx.as<float>(), n, weights_.data.as<uint8_t>(), GetParam(), rows_, cols_,
                 db.as<float>(), dy.as<float>());
    const std::vector<float> got = download<float>(dy, want.size());
    // Another summation order than cpu::dot: allow a few ulps of the sum of |terms|.
    for (int t = 0; t < n; ++t) {
      for (int r = 0; r < rows_; ++r) {
        double magnitude = std::fabs(bias[r]);
        for (int k = 0; k < cols_; ++k) {
          magnitude += std::fabs(double{x[size_t(t) * cols_ + k]} * dequantised_[size_t(r) * cols_ + k]);
        }
        const size_t i = static_cast<size_t>(t) * rows_ + r;
        ASSERT_LE(std::fabs(got[i] - want[i]), 1e-6 * magnitude)
            << "n " << n << ", token " << t << ", row " << r << ": " << got[i] << " vs " << want[i];
      }
    }
  }
}

TEST_P(QuantKernelTest, EmbeddingRowsAreTheDequantisedRows) {
  const std::vector<int32_t> tokens = {5, 0, 36, 5, 17};
  DeviceBuffer dt = upload(tokens), dx(sizeof(float) * tokens.size() * cols_);
  embed_quantized(s(), dt.as<int32_t>(), static_cast<int>(tokens.size()),
                  weights_.data.as<uint8_t>(), GetParam(), cols_, dx.as<float>());
  const std::vector<float> x = download<float>(dx, tokens.size() * cols_);
  for (size_t t = 0; t < tokens.size(); ++t) {
    for (int k = 0; k < cols_; ++k) {
      ASSERT_EQ(std::bit_cast<uint32_t>(x[t * cols_ + k]),
                std::bit_cast<uint32_t>(dequantised_[size_t(tokens[t]) * cols_ + k]))
          << "token " << t << ", element " << k;
    }
  }
}

std::string type_name(const ::testing::TestParamInfo<DType>& info) {
  return std::string(model::dtype_name(info.param));
}

INSTANTIATE_TEST_SUITE_P(BlockTypes, QuantKernelTest,
                         ::testing::Values(DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1,
                                           DType::kQ8_0, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K,
                                           DType::kQ5_K, DType::kQ6_K),
                         type_name);

using testing::CudaTest;

TEST_F(CudaTest, QuantMatmulRefusesWhatItCannotRead) {
  DeviceBuffer x(64 * sizeof(float) + 16), w(34 * 2), y(64);
  const auto message = [&](auto&& call) {
    try {
      call();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  EXPECT_EQ(message([&] {
              quant_matmul(s(), x.as<float>(), 1, w.as<uint8_t>(), DType::kQ8_0, 1, 48, nullptr,
                           y.as<float>());
            }),
            "quant_matmul: rows of 48 elements are not whole Q8_0 blocks of 32");
  EXPECT_EQ(message([&] {
              quant_matmul(s(), x.as<float>(), 1, w.as<uint8_t>(), DType::kF16, 1, 64, nullptr,
                           y.as<float>());
            }),
            "quant_matmul: no device kernel reads F16 weights");
  EXPECT_EQ(message([&] {
              quant_matmul(s(), x.as<float>() + 1, 1, w.as<uint8_t>(), DType::kQ8_0, 1, 64,
                           nullptr, y.as<float>());
            }),
            "quant_matmul: x must be 16-byte aligned (rows are read as float4)");
}

}  // namespace
}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
