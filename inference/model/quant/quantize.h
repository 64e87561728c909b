// Encoders of GGML block types, the inverse of the decoders in blocks_32.h / blocks_k.h: fp32
// values in, blocks out, in the byte layouts of ggml-common.h (block_q4_0 ... block_q6_K; each
// layout is spelled out beside its decoder). `boxed quantize` writes GGUF tensors with them.
//
//   std::vector<std::byte> row(dtype_row_bytes(DType::kQ4_K, 4096));
//   quant::quantize_row(DType::kQ4_K, values, 4096, row.data());     // 16 blocks of 144 bytes
//   quant::dequantize_row(DType::kQ4_K, row.data(), 4096, back);     // back ≈ values
//
// Types: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (32-element blocks), Q4_K, Q5_K, Q6_K (256-element
// super-blocks), and F32 / F16 / BF16 (a conversion, round to nearest even). Q2_K and Q3_K are
// decoded but not encoded.
//
// How the scales are chosen (fit.h has the search):
// - 32-element blocks: one fp16 scale (and for Q4_1 / Q5_1 an fp16 offset) per block, searched
//   for the least squared error of the block as decoded; the levels are then the nearest ones.
//   Q8_0 uses the symmetric levels [-127, 127] (never -128, which ggml's int8 dot products
//   cannot negate).
// - K-quants, two levels of scales: each sub-block (8 × 32 for Q4_K / Q5_K, 16 × 16 for Q6_K)
//   gets its own least-squares scale (and minimum), then those are quantized against the fp16
//   super-block scale(s) d (and dmin) to 6 bits (Q4_K / Q5_K: 0..63) or 8 bits (Q6_K: signed);
//   each sub-block then tries its integer scale and minimum +-1, and d / dmin are refitted by
//   least squares over the whole super-block, keeping whatever lowers the squared error of the
//   decoded block.
// The search is boxed's own; the block formats and the idea of least-squares scale refits come
// from ggml (ggml-common.h, ggml-quants.c). Speed: a few hundred float operations per element for
// the 4- and 5-bit types; callers parallelise over rows.
#pragma once

#include <cstddef>
#include <cstdint>

#include "inference/model/dtype.h"

namespace boxed::inference::model::quant {

// Whether quantize_row can produce `dtype`.
bool can_quantize_to(DType dtype);

// n values at `src` -> dtype_row_bytes(dtype, n) bytes at `dst`. Throws std::invalid_argument
// when n is not a whole number of blocks or the type cannot be encoded, std::domain_error for a
// value that is not finite or too large for the format's fp16 scale.
void quantize_row(DType dtype, const float* src, int64_t n, std::byte* dst);

// One block each (32 or 256 values).
void encode_q4_0(const float* x, std::byte* block);
void encode_q4_1(const float* x, std::byte* block);
void encode_q5_0(const float* x, std::byte* block);
void encode_q5_1(const float* x, std::byte* block);
void encode_q8_0(const float* x, std::byte* block);
void encode_q4_k(const float* x, std::byte* block);
void encode_q5_k(const float* x, std::byte* block);
void encode_q6_k(const float* x, std::byte* block);

// Little-endian fp16 store of a value already representable (see round_to_half in fit.h);
// throws std::domain_error when it is not finite.
void store_half(std::byte* p, float value);

}  // namespace boxed::inference::model::quant
