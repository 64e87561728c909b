// Decoders of GGML's 256-element super-blocks ("k-quants"): Q2_K, Q3_K, Q4_K, Q5_K, Q6_K. Each
// reads one block at any byte address and writes its 256 fp32 values in element order.
//
//   float y[256];
//   quant::decode_q4_k(block, y);   // block: 144 bytes {d, dmin, scales[12], qs[128]}
//
// Layouts are ggml-common.h's structs (QK_K = 256, K_SCALE_SIZE = 12); the value of each element
// follows ggml-quants.c `dequantize_row_q2_K` ... `dequantize_row_q6_K` and the gguf Python
// package's gguf/quants.py, rounding included: a sub-block scale is one fp32 product of the
// super-block scale and the integer sub-scale (d * sc), and each value is that scale times the
// quant, minus the rounded sub-block minimum where the type has one (dl * q - ml; never fused —
// these files compile with -ffp-contract=off).
//
// Shared bit arrangement of the 2- and 4-bit planes: a run of 32 bytes holds 32 consecutive
// elements per bit field; the low field (bits 0..1 or 0..3) comes first in element order.
#pragma once

#include <cstddef>
#include <cstdint>

#include "inference/model/quant/blocks_32.h"
#include "inference/model/quant/half.h"

namespace boxed::inference::model::quant {

// block_q2_K {uint8_t scales[16]; uint8_t qs[64]; ggml_half d; ggml_half dmin} (84 bytes).
// 16 sub-blocks of 16: scales[s] holds the 4-bit scale (low nibble) and 4-bit minimum (high
// nibble) of elements 16s..16s+15. Element 128h + 32p + l (half h, plane p, l < 32) is bits
// 2p..2p+1 of qs[32h + l]. x = (d * sc) * q - (dmin * mn).
inline void decode_q2_k(const std::byte* block, float* y) {
  const uint8_t* scales = block_bytes(block);
  const uint8_t* qs = scales + 16;
  const float d = load_half(block + 80);
  const float dmin = load_half(block + 82);
  for (int h = 0; h < 2; ++h) {
    for (int p = 0; p < 4; ++p) {
      for (int half16 = 0; half16 < 2; ++half16) {
        const int s = 8 * h + 2 * p + half16;
        const float dl = d * static_cast<float>(scales[s] & 0x0f);
        const float ml = dmin * static_cast<float>(scales[s] >> 4);
        float* out = y + 16 * s;
        const uint8_t* q = qs + 32 * h + 16 * half16;
        for (int l = 0; l < 16; ++l) out[l] = dl * static_cast<float>((q[l] >> (2 * p)) & 3) - ml;
      }
    }
  }
}

// block_q3_K {uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; ggml_half d} (110 bytes).
// 16 sub-blocks of 16 with 6-bit signed scales (stored + 32): the low 4 bits of scale s are the
// low nibble of scales[s] (s < 8) or the high nibble of scales[s - 8]; the high 2 bits are bits
// 2(s/4)..2(s/4)+1 of scales[8 + s % 4]. Element 128h + 32p + l takes its low 2 bits from
// bits 2p..2p+1 of qs[32h + l] and its "high" bit from bit 4h + p of hmask[l]; a clear bit means
// -4. x = (d * (sc - 32)) * q.
inline void decode_q3_k(const std::byte* block, float* y) {
  const uint8_t* hmask = block_bytes(block);
  const uint8_t* qs = hmask + 32;
  const uint8_t* packed = hmask + 96;
  const float d = load_half(block + 108);
  float dl[16];
  for (int s = 0; s < 16; ++s) {
    const int low = s < 8 ? (packed[s] & 0x0f) : (packed[s - 8] >> 4);
    const int high = (packed[8 + s % 4] >> (2 * (s / 4))) & 3;
    dl[s] = d * static_cast<float>((low | (high << 4)) - 32);
  }
  for (int h = 0; h < 2; ++h) {
    for (int p = 0; p < 4; ++p) {
      const int bit = 4 * h + p;
      const uint8_t* q = qs + 32 * h;
      float* out = y + 128 * h + 32 * p;
      const float d0 = dl[8 * h + 2 * p];
      const float d1 = dl[8 * h + 2 * p + 1];
      for (int l = 0; l < 32; ++l) {
        const int v = ((q[l] >> (2 * p)) & 3) - (((hmask[l] >> bit) & 1) ? 0 : 4);
        out[l] = (l < 16 ? d0 : d1) * static_cast<float>(v);
      }
    }
  }
}

// The 6-bit scales and minimums of Q4_K and Q5_K (ggml-quants.c `get_scale_min_k4`): for
// sub-block j < 4, scale = scales[j] & 63 and min = scales[j + 4] & 63; for j >= 4 the low 4 bits
// come from the nibbles of scales[j + 4] (scale low, min high) and the high 2 bits from the top
// bits of scales[j - 4] (scale) and scales[j] (min).
inline void unpack_scale_min_k4(const uint8_t* scales, int* sc, int* mn) {
  for (int j = 0; j < 4; ++j) {
    sc[j] = scales[j] & 63;
    mn[j] = scales[j + 4] & 63;
  }
  for (int j = 4; j < 8; ++j) {
    sc[j] = (scales[j + 4] & 0x0f) | ((scales[j - 4] >> 6) << 4);
    mn[j] = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4);
  }
}

// block_q4_K {ggml_half d; ggml_half dmin; uint8_t scales[12]; uint8_t qs[128]} (144 bytes).
// 8 sub-blocks of 32; sub-blocks 2c and 2c + 1 are the low and high nibbles of qs[32c..32c+31].
// x = (d * sc) * q - (dmin * mn).
inline void decode_q4_k(const std::byte* block, float* y) {
  const float d = load_half(block);
  const float dmin = load_half(block + 2);
  const uint8_t* qs = block_bytes(block) + 16;
  int sc[8], mn[8];
  unpack_scale_min_k4(block_bytes(block) + 4, sc, mn);
  for (int c = 0; c < 4; ++c) {
    const float d0 = d * static_cast<float>(sc[2 * c]), m0 = dmin * static_cast<float>(mn[2 * c]);
    const float d1 = d * static_cast<float>(sc[2 * c + 1]);
    const float m1 = dmin * static_cast<float>(mn[2 * c + 1]);
    const uint8_t* q = qs + 32 * c;
    float* out = y + 64 * c;
    for (int l = 0; l < 32; ++l) {
      out[l] = d0 * static_cast<float>(q[l] & 0x0f) - m0;
      out[l + 32] = d1 * static_cast<float>(q[l] >> 4) - m1;
    }
  }
}

// block_q5_K {ggml_half d; ggml_half dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]}
// (176 bytes): Q4_K's arrangement plus a fifth bit: bit j of qh[l] is bit 4 of element 32j + l.
inline void decode_q5_k(const std::byte* block, float* y) {
  const float d = load_half(block);
  const float dmin = load_half(block + 2);
  const uint8_t* qh = block_bytes(block) + 16;
  const uint8_t* qs = block_bytes(block) + 48;
  int sc[8], mn[8];
  unpack_scale_min_k4(block_bytes(block) + 4, sc, mn);
  for (int c = 0; c < 4; ++c) {
    const float d0 = d * static_cast<float>(sc[2 * c]), m0 = dmin * static_cast<float>(mn[2 * c]);
    const float d1 = d * static_cast<float>(sc[2 * c + 1]);
    const float m1 = dmin * static_cast<float>(mn[2 * c + 1]);
    const uint8_t* q = qs + 32 * c;
    float* out = y + 64 * c;
    for (int l = 0; l < 32; ++l) {
      const int lo = (q[l] & 0x0f) | (((qh[l] >> (2 * c)) & 1) << 4);
      const int hi = (q[l] >> 4) | (((qh[l] >> (2 * c + 1)) & 1) << 4);
      out[l] = d0 * static_cast<float>(lo) - m0;
      out[l + 32] = d1 * static_cast<float>(hi) - m1;
    }
  }
}

// block_q6_K {uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; ggml_half d} (210 bytes).
// Two halves of 128; in half h, element 128h + 32p + l (plane p, l < 32) takes its low 4 bits
// from the low (p = 0, 1) or high (p = 2, 3) nibble of ql[64h + 32(p % 2) + l] and its high 2
// bits from bits 2p..2p+1 of qh[32h + l]; 16 sub-blocks of 16 with signed 8-bit scales.
// x = (d * sc) * (q - 32).
inline void decode_q6_k(const std::byte* block, float* y) {
  const uint8_t* ql = block_bytes(block);
  const uint8_t* qh = ql + 128;
  const int8_t* scales = reinterpret_cast<const int8_t*>(block + 192);
  const float d = load_half(block + 208);
  for (int h = 0; h < 2; ++h) {
    for (int p = 0; p < 4; ++p) {
      const uint8_t* lo_src = ql + 64 * h + 32 * (p % 2);
      const int nibble_shift = p < 2 ? 0 : 4;
      const uint8_t* hi_src = qh + 32 * h;
      const int s = 8 * h + 2 * p;
      const float d0 = d * static_cast<float>(scales[s]);
      const float d1 = d * static_cast<float>(scales[s + 1]);
      float* out = y + 128 * h + 32 * p;
      for (int l = 0; l < 32; ++l) {
        const int q = ((lo_src[l] >> nibble_shift) & 0x0f) | (((hi_src[l] >> (2 * p)) & 3) << 4);
        out[l] = (l < 16 ? d0 : d1) * static_cast<float>(q - 32);
      }
    }
  }
}

}  // namespace boxed::inference::model::quant
