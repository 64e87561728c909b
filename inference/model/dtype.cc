#include "inference/model/dtype.h"

#include <bit>
#include <cmath>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "inference/model/quant/dequantize.h"

namespace boxed::inference::model {

namespace {

struct TypeInfo {
  DType dtype;
  std::string_view name;
  uint32_t ggml_type;   // ggml.h enum ggml_type
  int64_t block_elems;  // QK4_0 = QK8_0 = ... = 32, QK_K = 256 (ggml-common.h)
  size_t block_bytes;   // sizeof(block_...) in ggml-common.h
};

// Block sizes from ggml-common.h: block_q4_0 {ggml_half d; uint8_t qs[16]} = 18,
// block_q4_1 {d, m; qs[16]} = 20, block_q5_0 {d; qh[4]; qs[16]} = 22, block_q5_1 {d, m; qh[4];
// qs[16]} = 24, block_q8_0 {d; int8_t qs[32]} = 34, block_q2_K {scales[16]; qs[64]; d, dmin} = 84,
// block_q3_K {hmask[32]; qs[64]; scales[12]; d} = 110, block_q4_K {d, dmin; scales[12];
// qs[128]} = 144, block_q5_K {d, dmin; scales[12]; qh[32]; qs[128]} = 176, block_q6_K {ql[128];
// qh[64]; int8_t scales[16]; d} = 210.
constexpr TypeInfo kTypes[] = {
    {DType::kBF16, "BF16", 30, 1, 2},   {DType::kF16, "F16", 1, 1, 2},
    {DType::kF32, "F32", 0, 1, 4},      {DType::kI32, "I32", 26, 1, 4},
    {DType::kQ4_0, "Q4_0", 2, 32, 18},
    {DType::kQ4_1, "Q4_1", 3, 32, 20},  {DType::kQ5_0, "Q5_0", 6, 32, 22},
    {DType::kQ5_1, "Q5_1", 7, 32, 24},  {DType::kQ8_0, "Q8_0", 8, 32, 34},
    {DType::kQ2_K, "Q2_K", 10, 256, 84}, {DType::kQ3_K, "Q3_K", 11, 256, 110},
    {DType::kQ4_K, "Q4_K", 12, 256, 144}, {DType::kQ5_K, "Q5_K", 13, 256, 176},
    {DType::kQ6_K, "Q6_K", 14, 256, 210},
};

const TypeInfo& info(DType dtype) {
  for (const TypeInfo& t : kTypes) {
    if (t.dtype == dtype) return t;
  }
  throw std::logic_error("dtype: unknown enumerator");
}

}  // namespace

std::string_view dtype_name(DType dtype) { return info(dtype).name; }

std::optional<DType> dtype_from_name(std::string_view name) {
  for (const TypeInfo& t : kTypes) {
    if (t.name == name) return t.dtype;
  }
  return std::nullopt;
}

bool dtype_is_quantized(DType dtype) { return info(dtype).block_elems > 1; }
int64_t dtype_block_elems(DType dtype) { return info(dtype).block_elems; }
size_t dtype_block_bytes(DType dtype) { return info(dtype).block_bytes; }

size_t dtype_row_bytes(DType dtype, int64_t n) {
  const TypeInfo& t = info(dtype);
  return static_cast<size_t>(n / t.block_elems) * t.block_bytes;
}

size_t dtype_size_bytes(DType dtype) {
  if (dtype_is_quantized(dtype)) {
    throw std::logic_error(fmt::format("dtype_size_bytes: {} is a block type", dtype_name(dtype)));
  }
  return info(dtype).block_bytes;
}

std::optional<DType> dtype_from_ggml_type(uint32_t ggml_type) {
  for (const TypeInfo& t : kTypes) {
    if (t.ggml_type == ggml_type) return t.dtype;
  }
  return std::nullopt;
}

uint32_t ggml_type_of(DType dtype) { return info(dtype).ggml_type; }

uint16_t f32_to_bf16(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  if (std::isnan(value)) return static_cast<uint16_t>((bits >> 16) | 0x0040);  // keep it quiet
  const uint32_t rounding = 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

// IEEE 754-2008 binary16: 1 sign, 5 exponent (bias 15), 10 fraction bits.
float f16_to_f32(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1f;
  const uint32_t fraction = bits & 0x3ff;
  if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000 | (fraction << 13));
  if (exponent == 0) {  // zero or subnormal: fraction * 2^-24
    const float magnitude = std::ldexp(static_cast<float>(fraction), -24);
    return sign ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (fraction << 13));
}

uint16_t f32_to_f16(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  const float magnitude = std::fabs(value);
  if (std::isnan(value)) return sign | 0x7e00;
  if (magnitude >= 65520.0f) return sign | 0x7c00;  // rounds to infinity
  if (magnitude < std::ldexp(1.0f, -14)) {          // subnormal: multiples of 2^-24
    const float scaled = std::nearbyint(magnitude * std::ldexp(1.0f, 24));  // ties to even
    return sign | static_cast<uint16_t>(scaled);
  }
  const uint32_t abs_bits = bits & 0x7fffffff;
  const uint32_t rounding = 0xfff + ((abs_bits >> 13) & 1);
  const uint32_t rounded = (abs_bits + rounding) >> 13;  // exponent and fraction together
  return sign | static_cast<uint16_t>(rounded - (112u << 10));
}

void convert_to_f32(DType dtype, const std::byte* src, size_t n, float* dst) {
  switch (dtype) {
    case DType::kF32:
      std::memcpy(dst, src, n * sizeof(float));
      return;
    case DType::kBF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t bits;
        std::memcpy(&bits, src + 2 * i, 2);
        dst[i] = bf16_to_f32(bits);
      }
      return;
    case DType::kF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t bits;
        std::memcpy(&bits, src + 2 * i, 2);
        dst[i] = f16_to_f32(bits);
      }
      return;
    default:  // GGML block types
      quant::dequantize_row(dtype, src, static_cast<int64_t>(n), dst);
      return;
  }
}

}  // namespace boxed::inference::model
