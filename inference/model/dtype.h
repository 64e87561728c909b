// Element types of stored weights and their conversion to fp32.
//
//   std::optional<DType> t = dtype_from_name("BF16");
//   float x = bf16_to_f32(uint16_t{0x3f80});  // 1.0f
//   convert_to_f32(DType::kBF16, bytes, n, out);
//   size_t row = dtype_row_bytes(DType::kQ4_K, 4096);  // 16 blocks of 144 bytes = 2304
//
// Float names follow the safetensors format ("BF16", "F16", "F32"; safetensors README,
// "Format"). The quantized types are GGML's block formats as stored in GGUF files (ggml.h
// `enum ggml_type`, ggml-common.h `block_q4_0` ... `block_q6_K`): a row of n elements is n /
// block_elems consecutive blocks of block_bytes each, so a quantized tensor is addressed by whole
// rows and never by single elements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace boxed::inference::model {

enum class DType {
  kBF16, kF16, kF32,
  // safetensors "I32": packed integer data (AWQ qweight / qzeros, see awq.h), never a weight
  // read element by element; convert_to_f32 refuses it.
  kI32,
  // GGML block quantizations (ggml-common.h). 32-element blocks:
  kQ4_0, kQ4_1, kQ5_0, kQ5_1, kQ8_0,
  // 256-element super-blocks ("k-quants"):
  kQ2_K, kQ3_K, kQ4_K, kQ5_K, kQ6_K,
};

// "BF16" | "F16" | "F32" | "I32" | "Q4_0" | ... | "Q6_K" (GGML's type names for the quantized ones).
std::string_view dtype_name(DType dtype);
std::optional<DType> dtype_from_name(std::string_view name);    // nullopt when unsupported
bool dtype_is_quantized(DType dtype);
// Elements per block (1 for the float types, 32 or 256 for quantized) and bytes per block.
int64_t dtype_block_elems(DType dtype);
size_t dtype_block_bytes(DType dtype);
// Bytes of a row of n elements; n must be a multiple of dtype_block_elems (checked by callers
// that read files: GGUF validation, model loading).
size_t dtype_row_bytes(DType dtype, int64_t n);
// Bytes per element of a float type or I32 (2 or 4). Throws std::logic_error for a quantized type.
size_t dtype_size_bytes(DType dtype);

// GGUF's tensor type ids (ggml.h `enum ggml_type`: F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3,
// Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14,
// I32 = 26, BF16 = 30). nullopt for a type boxed does not load (Q8_1, IQ*, ...).
std::optional<DType> dtype_from_ggml_type(uint32_t ggml_type);
uint32_t ggml_type_of(DType dtype);

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

// Converts `n` elements stored as `dtype` at `src` (any alignment) to fp32. For a quantized
// type, n must be a multiple of the block size and the blocks are dequantised.
void convert_to_f32(DType dtype, const std::byte* src, size_t n, float* dst);

}  // namespace boxed::inference::model
