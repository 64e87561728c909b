// The GGML block decoders against the gguf package's dequantisation, bit for bit: slices of real
// tensors of the fetched models, blocks from the package's quantize(), and random blocks
// (tests/data/golden/dequant, from tools/gguf/make_dequant_golden.py).
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "inference/model/dtype.h"
#include "inference/model/quant/dequantize.h"
#include "inference/model/quant/half.h"
#include "tests/inference/model/dequant_golden.h"

namespace boxed::inference::model {
namespace {

using testing::DequantCase;
using testing::load_dequant_golden;

// Index of the first element whose bits differ, or -1.
int64_t first_mismatch(const std::vector<float>& got, const std::vector<float>& want) {
  if (got.size() != want.size()) return 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::bit_cast<uint32_t>(got[i]) != std::bit_cast<uint32_t>(want[i])) return i;
  }
  return -1;
}

class DequantGoldenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(DequantGoldenTest, MatchesGgufPackageBitForBit) {
  const auto golden = load_dequant_golden(GetParam());
  ASSERT_GE(golden.cases.size(), 1u);
  const int64_t block_elems = dtype_block_elems(golden.dtype);
  for (const DequantCase& c : golden.cases) {
    const int64_t n = static_cast<int64_t>(c.values.size());
    ASSERT_EQ(c.blocks.size(), static_cast<size_t>(n / block_elems) * dtype_block_bytes(golden.dtype))
        << c.source;
    std::vector<float> got(n, -1.0f);
    quant::dequantize_row(golden.dtype, c.blocks.data(), n, got.data());
    const int64_t bad = first_mismatch(got, c.values);
    EXPECT_EQ(bad, -1) << GetParam() << ", " << c.source << ": element " << bad << " is "
                       << got[bad < 0 ? 0 : bad] << ", the gguf package gives "
                       << c.values[bad < 0 ? 0 : bad];
    // The same through convert_to_f32 (the entry the matmul tiles and embedding use).
    std::vector<float> converted(n, -1.0f);
    convert_to_f32(golden.dtype, c.blocks.data(), static_cast<size_t>(n), converted.data());
    EXPECT_EQ(first_mismatch(converted, c.values), -1) << c.source;
  }
}

// Blocks in a GGUF mapping sit at any byte offset (an 18-byte Q4_0 block puts every other fp16
// scale at an odd address): the decoders must not care.
TEST_P(DequantGoldenTest, AnyAlignment) {
  const auto golden = load_dequant_golden(GetParam());
  const DequantCase& c = golden.cases.back();
  const int64_t n = static_cast<int64_t>(c.values.size());
  for (size_t offset : {1, 2, 3, 5, 7}) {
    std::vector<std::byte> shifted(c.blocks.size() + offset);
    std::memcpy(shifted.data() + offset, c.blocks.data(), c.blocks.size());
    std::vector<float> got(n);
    quant::dequantize_row(golden.dtype, shifted.data() + offset, n, got.data());
    EXPECT_EQ(first_mismatch(got, c.values), -1) << "offset " << offset << ", " << c.source;
  }
}

TEST_P(DequantGoldenTest, DecodeBlockEqualsRow) {
  const auto golden = load_dequant_golden(GetParam());
  const DequantCase& c = golden.cases.front();
  const int64_t elems = dtype_block_elems(golden.dtype);
  const size_t bytes = dtype_block_bytes(golden.dtype);
  for (size_t b = 0; b < c.blocks.size() / bytes; ++b) {
    std::vector<float> got(elems);
    quant::decode_block(golden.dtype, c.blocks.data() + b * bytes, got.data());
    const std::vector<float> want(c.values.begin() + b * elems, c.values.begin() + (b + 1) * elems);
    EXPECT_EQ(first_mismatch(got, want), -1) << "block " << b << " of " << c.source;
  }
}

INSTANTIATE_TEST_SUITE_P(AllBlockTypes, DequantGoldenTest, ::testing::ValuesIn(testing::kDequantTypes),
                         [](const auto& info) { return std::string(info.param); });

// The golden set covers what the issue asks: real-tensor slices for every type the fetched models
// contain, and something for every type.
TEST(DequantGoldenCoverage, RealTensorsForTheTypesTheModelsContain) {
  for (const char* type : {"Q4_1", "Q8_0", "Q4_K", "Q5_0", "Q6_K"}) {
    const auto golden = load_dequant_golden(type);
    EXPECT_GE(golden.whole_tensors.size(), 1u) << type;
    int real = 0;
    for (const auto& c : golden.cases) real += c.source.find(".gguf:") != std::string::npos;
    EXPECT_GE(real, 3) << type;
  }
}

TEST(Dequant, RefusesPartialBlocksAndFloatTypes) {
  std::vector<std::byte> bytes(256);
  std::vector<float> out(256);
  EXPECT_THROW(quant::dequantize_row(DType::kQ4_K, bytes.data(), 255, out.data()),
               std::invalid_argument);
  EXPECT_THROW(quant::dequantize_row(DType::kQ8_0, bytes.data(), 48, out.data()),
               std::invalid_argument);
  EXPECT_THROW(quant::dequantize_row(DType::kBF16, bytes.data(), 32, out.data()), std::logic_error);
  EXPECT_THROW(quant::decode_block(DType::kF32, bytes.data(), out.data()), std::logic_error);
}

// The portable fp16 reader of the block scales equals the library's f16_to_f32 on all 65536
// inputs (NaN payloads included).
TEST(Dequant, InlineHalfEqualsF16ToF32Everywhere) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float fast = quant::half_bits_to_f32(static_cast<uint16_t>(h));
    const float slow = f16_to_f32(static_cast<uint16_t>(h));
    ASSERT_EQ(std::bit_cast<uint32_t>(fast), std::bit_cast<uint32_t>(slow)) << "half 0x" << std::hex << h;
    // load_half (the hardware conversion where the build has F16C) agrees too, NaNs aside: the
    // hardware quiets a signalling NaN, and a NaN scale makes every value of its block NaN anyway.
    const std::byte le[2] = {static_cast<std::byte>(h & 0xff), static_cast<std::byte>(h >> 8)};
    const float loaded = quant::load_half(le);
    if (std::isnan(slow)) {
      ASSERT_TRUE(std::isnan(loaded)) << "half 0x" << std::hex << h;
    } else {
      ASSERT_EQ(std::bit_cast<uint32_t>(loaded), std::bit_cast<uint32_t>(slow)) << "half 0x" << std::hex << h;
    }
  }
  const std::byte odd[3] = {std::byte{0xff}, std::byte{0x00}, std::byte{0x3c}};  // 1.0 at offset 1
  EXPECT_EQ(quant::load_half(odd + 1), 1.0f);
}

}  // namespace
}  // namespace boxed::inference::model
