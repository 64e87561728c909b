// GGML block decoding on the device: 32 consecutive values ("a chunk") of a block of any GGUF
// quantized type, for the kernels that keep weights quantized in device memory (quant_matmul.cu,
// embed.cu). A 32-element type (Q4_0 ... Q8_0) is one chunk; a k-quant super-block of 256 is
// eight. Chunk c of a row starts in block c / kChunks at chunk c % kChunks.
//
//   float v[32];
//   Q4K::decode(row + (c / Q4K::kChunks) * Q4K::kBlockBytes, c % Q4K::kChunks, v);
//
// Layouts and values are those of the host decoders (inference/model/quant/blocks_32.h,
// blocks_k.h: ggml-common.h's structs, ggml-quants.c's dequantize_row_*), bit for bit: each value
// is the same fp32 products and one subtraction or addition, written with __fmul_rn / __fadd_rn /
// __fsub_rn so that nvcc cannot contract them into an FMA (the emulated build compiles with
// -ffp-contract=off). Blocks sit back to back at any byte address (block_q4_0 is 18 bytes), so
// fields are read byte by byte.
#pragma once

#include <cstdint>

#include "inference/cuda/cuda_compat.cuh"

namespace boxed::inference::cuda::BOXED_CUDA_NS::quant {

__device__ __forceinline__ float load_half(const uint8_t* p) {
  return __half2float(__ushort_as_half(static_cast<unsigned short>(p[0] | (p[1] << 8))));
}

__device__ __forceinline__ uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

// block_q4_0 {half d; uint8_t qs[16]}: x = d * (q - 8); byte j holds elements j (low nibble) and
// j + 16 (high nibble).
struct Q4_0 {
  static constexpr int kBlockBytes = 18, kChunks = 1;
  __device__ static void decode(const uint8_t* b, int, float* v) {
    const float d = load_half(b);
    for (int j = 0; j < 16; ++j) {
      v[j] = d * static_cast<float>((b[2 + j] & 0x0f) - 8);
      v[j + 16] = d * static_cast<float>((b[2 + j] >> 4) - 8);
    }
  }
};

// block_q4_1 {half d; half m; uint8_t qs[16]}: x = d * q + m.
struct Q4_1 {
  static constexpr int kBlockBytes = 20, kChunks = 1;
  __device__ static void decode(const uint8_t* b, int, float* v) {
    const float d = load_half(b), m = load_half(b + 2);
    for (int j = 0; j < 16; ++j) {
      v[j] = __fadd_rn(__fmul_rn(d, static_cast<float>(b[4 + j] & 0x0f)), m);
      v[j + 16] = __fadd_rn(__fmul_rn(d, static_cast<float>(b[4 + j] >> 4)), m);
    }
  }
};

// block_q5_0 {half d; uint32 qh; uint8_t qs[16]}: x = d * (q - 16), bit j of qh is bit 4 of
// element j.
struct Q5_0 {
  static constexpr int kBlockBytes = 22, kChunks = 1;
  __device__ static void decode(const uint8_t* b, int, float* v) {
    const float d = load_half(b);
    const uint32_t qh = load_u32(b + 2);
    for (int j = 0; j < 16; ++j) {
      const int lo = (b[6 + j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
      const int hi = (b[6 + j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
      v[j] = d * static_cast<float>(lo - 16);
      v[j + 16] = d * static_cast<float>(hi - 16);
    }
  }
};

// block_q5_1 {half d; half m; uint32 qh; uint8_t qs[16]}: x = d * q + m.
struct Q5_1 {
  static constexpr int kBlockBytes = 24, kChunks = 1;
  __device__ static void decode(const uint8_t* b, int, float* v) {
    const float d = load_half(b), m = load_half(b + 2);
    const uint32_t qh = load_u32(b + 4);
    for (int j = 0; j < 16; ++j) {
      const int lo = (b[8 + j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
      const int hi = (b[8 + j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
      v[j] = __fadd_rn(__fmul_rn(d, static_cast<float>(lo)), m);
      v[j + 16] = __fadd_rn(__fmul_rn(d, static_cast<float>(hi)), m);
    }
  }
};

// block_q8_0 {half d; int8_t qs[32]}: x = d * q.
struct Q8_0 {
  static constexpr int kBlockBytes = 34, kChunks = 1;
  __device__ static void decode(const uint8_t* b, int, float* v) {
    const float d = load_half(b);
    for (int j = 0; j < 32; ++j) v[j] = d * static_cast<float>(static_cast<int8_t>(b[2 + j]));
  }
};

// block_q2_K {uint8_t scales[16]; uint8_t qs[64]; half d; half dmin}: chunk c = 4h + p covers
// elements 128h + 32p + l, 2-bit q = bits 2p..2p+1 of qs[32h + l], sub-block 8h + 2p + l / 16
// with a 4-bit scale (low nibble) and minimum (high nibble): x = (d * sc) * q - (dmin * mn).
struct Q2_K {
  static constexpr int kBlockBytes = 84, kChunks = 8;
  __device__ static void decode(const uint8_t* b, int c, float* v) {
    const int h = c / 4, p = c % 4;
    const float d = load_half(b + 80), dmin = load_half(b + 82);
    for (int half16 = 0; half16 < 2; ++half16) {
      const int s = 8 * h + 2 * p + half16;
      const float dl = d * static_cast<float>(b[s] & 0x0f);
      const float ml = dmin * static_cast<float>(b[s] >> 4);
      for (int l = 0; l < 16; ++l) {
        const int q = (b[16 + 32 * h + 16 * half16 + l] >> (2 * p)) & 3;
        v[16 * half16 + l] = __fsub_rn(__fmul_rn(dl, static_cast<float>(q)), ml);
      }
    }
  }
};

// block_q3_K {uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; half d}: chunk c = 4h + p,
// low 2 bits from bits 2p..2p+1 of qs[32h + l], bit 4h + p of hmask[l] clear means -4; 6-bit
// signed sub-block scales (see blocks_k.h): x = (d * (sc - 32)) * q.
struct Q3_K {
  static constexpr int kBlockBytes = 110, kChunks = 8;
  __device__ static float scale(const uint8_t* packed, float d, int s) {
    const int low = s < 8 ? (packed[s] & 0x0f) : (packed[s - 8] >> 4);
    const int high = (packed[8 + s % 4] >> (2 * (s / 4))) & 3;
    return d * static_cast<float>((low | (high << 4)) - 32);
  }
  __device__ static void decode(const uint8_t* b, int c, float* v) {
    const int h = c / 4, p = c % 4, bit = 4 * h + p;
    const float d = load_half(b + 108);
    const float d0 = scale(b + 96, d, 8 * h + 2 * p), d1 = scale(b + 96, d, 8 * h + 2 * p + 1);
    for (int l = 0; l < 32; ++l) {
      const int q = ((b[32 + 32 * h + l] >> (2 * p)) & 3) - (((b[l] >> bit) & 1) ? 0 : 4);
      v[l] = (l < 16 ? d0 : d1) * static_cast<float>(q);
    }
  }
};

// The 6-bit scale and minimum of sub-block j of Q4_K / Q5_K (ggml-quants.c get_scale_min_k4).
__device__ __forceinline__ void scale_min_k4(const uint8_t* s, int j, int* sc, int* mn) {
  if (j < 4) {
    *sc = s[j] & 63;
    *mn = s[j + 4] & 63;
  } else {
    *sc = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
    *mn = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

// block_q4_K {half d; half dmin; uint8_t scales[12]; uint8_t qs[128]}: chunk c is sub-block c,
// the low (c even) or high (c odd) nibbles of qs[32(c / 2) + l]: x = (d * sc) * q - (dmin * mn).
struct Q4_K {
  static constexpr int kBlockBytes = 144, kChunks = 8;
  __device__ static void decode(const uint8_t* b, int c, float* v) {
    int sc = 0, mn = 0;
    scale_min_k4(b + 4, c, &sc, &mn);
    const float dl = load_half(b) * static_cast<float>(sc);
    const float ml = load_half(b + 2) * static_cast<float>(mn);
    const uint8_t* q = b + 16 + 32 * (c / 2);
    const int shift = 4 * (c % 2);
    for (int l = 0; l < 32; ++l) {
      v[l] = __fsub_rn(__fmul_rn(dl, static_cast<float>((q[l] >> shift) & 0x0f)), ml);
    }
  }
};

// block_q5_K {half d; half dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]}: Q4_K's
// arrangement, bit c of qh[l] is bit 4 of the chunk's element l.
struct Q5_K {
  static constexpr int kBlockBytes = 176, kChunks = 8;
  __device__ static void decode(const uint8_t* b, int c, float* v) {
    int sc = 0, mn = 0;
    scale_min_k4(b + 4, c, &sc, &mn);
    const float dl = load_half(b) * static_cast<float>(sc);
    const float ml = load_half(b + 2) * static_cast<float>(mn);
    const uint8_t* qh = b + 16;
    const uint8_t* q = b + 48 + 32 * (c / 2);
    const int shift = 4 * (c % 2);
    for (int l = 0; l < 32; ++l) {
      const int value = ((q[l] >> shift) & 0x0f) | (((qh[l] >> c) & 1) << 4);
      v[l] = __fsub_rn(__fmul_rn(dl, static_cast<float>(value)), ml);
    }
  }
};

// block_q6_K {uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; half d}: chunk c = 4h + p,
// low 4 bits from the low (p < 2) or high nibble of ql[64h + 32(p % 2) + l], high 2 bits from
// bits 2p..2p+1 of qh[32h + l], sub-blocks of 16: x = (d * sc) * (q - 32).
struct Q6_K {
  static constexpr int kBlockBytes = 210, kChunks = 8;
  __device__ static void decode(const uint8_t* b, int c, float* v) {
    const int h = c / 4, p = c % 4;
    const float d = load_half(b + 208);
    const int s = 8 * h + 2 * p;
    const float d0 = d * static_cast<float>(static_cast<int8_t>(b[192 + s]));
    const float d1 = d * static_cast<float>(static_cast<int8_t>(b[192 + s + 1]));
    const uint8_t* lo = b + 64 * h + 32 * (p % 2);
    const uint8_t* hi = b + 128 + 32 * h;
    const int shift = p < 2 ? 0 : 4;
    for (int l = 0; l < 32; ++l) {
      const int q = ((lo[l] >> shift) & 0x0f) | (((hi[l] >> (2 * p)) & 3) << 4);
      v[l] = (l < 16 ? d0 : d1) * static_cast<float>(q - 32);
    }
  }
};

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS::quant
