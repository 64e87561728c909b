// Element types of stored weights and their conversion to fp32.
//
//   DType t = parse_dtype("BF16");            // throws on an unknown name
//   float x = bf16_to_f32(uint16_t{0x3f80});  // 1.0f
//   convert_to_f32(DType::kBF16, bytes, n, out);
//
// Names follow the safetensors format ("BF16", "F16", "F32"; safetensors README, "Format").
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace boxed::inference::model {

enum class DType { kBF16, kF16, kF32 };

std::string_view dtype_name(DType dtype);                       // "BF16" | "F16" | "F32"
std::optional<DType> dtype_from_name(std::string_view name);    // nullopt when unsupported
size_t dtype_size_bytes(DType dtype);

// bfloat16 is the upper half of an IEEE binary32 (Google Brain bfloat16 format).
inline float bf16_to_f32(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float out;
  std::memcpy(&out, &wide, sizeof out);
  return out;
}

// Round-to-nearest-even, NaN kept quiet (the rounding torch uses for .to(torch.bfloat16)).
uint16_t f32_to_bf16(float value);
float f16_to_f32(uint16_t bits);  // IEEE 754 binary16, subnormals included
uint16_t f32_to_f16(float value);  // round-to-nearest-even

// Converts `n` elements stored as `dtype` at `src` (any alignment) to fp32.
void convert_to_f32(DType dtype, const std::byte* src, size_t n, float* dst);

}  // namespace boxed::inference::model
