// Decoders of GGML's 32-element blocks: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0. Each reads one block at any
// byte address and writes its 32 fp32 values in element order.
//
//   float y[32];
//   quant::decode_q4_1(block, y);   // block: 20 bytes {d, m, qs[16]}
//
// Layouts are ggml-common.h's structs (QK4_0 = QK4_1 = QK5_0 = QK5_1 = QK8_0 = 32); the value of
// each element follows ggml-quants.c `dequantize_row_q4_0` ... `dequantize_row_q8_0` and the gguf
// Python package's gguf/quants.py `dequantize_blocks`, rounding included: every value is one fp32
// product (d * q) or, for the types with a minimum, a product rounded and then added (d * q + m;
// never fused — these files compile with -ffp-contract=off).
//
// The 4-bit types split a block in halves: byte j of qs holds element j in its low nibble and
// element j + 16 in its high nibble. The 5-bit types add a 32-bit little-endian qh whose bit j is
// bit 4 of element j.
#pragma once

#include <cstddef>
#include <cstdint>

#include "inference/model/quant/half.h"

namespace boxed::inference::model::quant {

inline const uint8_t* block_bytes(const std::byte* p) { return reinterpret_cast<const uint8_t*>(p); }

inline uint32_t load_u32_le(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

// block_q4_0 {ggml_half d; uint8_t qs[16]} (18 bytes): x = d * (q - 8), q in 0..15.
inline void decode_q4_0(const std::byte* block, float* y) {
  const float d = load_half(block);
  const uint8_t* qs = block_bytes(block) + 2;
  for (int j = 0; j < 16; ++j) {
    y[j] = d * static_cast<float>(static_cast<int>(qs[j] & 0x0f) - 8);
    y[j + 16] = d * static_cast<float>(static_cast<int>(qs[j] >> 4) - 8);
  }
}

// block_q4_1 {ggml_half d; ggml_half m; uint8_t qs[16]} (20 bytes): x = d * q + m.
inline void decode_q4_1(const std::byte* block, float* y) {
  const float d = load_half(block);
  const float m = load_half(block + 2);
  const uint8_t* qs = block_bytes(block) + 4;
  for (int j = 0; j < 16; ++j) {
    y[j] = d * static_cast<float>(qs[j] & 0x0f) + m;
    y[j + 16] = d * static_cast<float>(qs[j] >> 4) + m;
  }
}

// block_q5_0 {ggml_half d; uint8_t qh[4]; uint8_t qs[16]} (22 bytes): x = d * (q - 16), q in
// 0..31 with bit 4 of element j from bit j of qh.
inline void decode_q5_0(const std::byte* block, float* y) {
  const float d = load_half(block);
  const uint32_t qh = load_u32_le(block_bytes(block) + 2);
  const uint8_t* qs = block_bytes(block) + 6;
  for (int j = 0; j < 16; ++j) {
    const int lo = (qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
    const int hi = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
    y[j] = d * static_cast<float>(lo - 16);
    y[j + 16] = d * static_cast<float>(hi - 16);
  }
}

// block_q5_1 {ggml_half d; ggml_half m; uint8_t qh[4]; uint8_t qs[16]} (24 bytes): x = d * q + m.
inline void decode_q5_1(const std::byte* block, float* y) {
  const float d = load_half(block);
  const float m = load_half(block + 2);
  const uint32_t qh = load_u32_le(block_bytes(block) + 4);
  const uint8_t* qs = block_bytes(block) + 8;
  for (int j = 0; j < 16; ++j) {
    const int lo = (qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
    const int hi = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
    y[j] = d * static_cast<float>(lo) + m;
    y[j + 16] = d * static_cast<float>(hi) + m;
  }
}

// block_q8_0 {ggml_half d; int8_t qs[32]} (34 bytes): x = d * q.
inline void decode_q8_0(const std::byte* block, float* y) {
  const float d = load_half(block);
  const int8_t* qs = reinterpret_cast<const int8_t*>(block + 2);
  for (int j = 0; j < 32; ++j) y[j] = d * static_cast<float>(qs[j]);
}

}  // namespace boxed::inference::model::quant
