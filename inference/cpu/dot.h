// Dot products with a reduction order fixed by the code: 16 lane-wise partial sums with fused
// multiply-adds over the inner dimension, then a fixed pairwise tree over the lanes. Every CPU
// op that reduces uses these, so a result never depends on batch size, tiling or thread count.
// std::fma pins the rounding (the compiler turns the lane loops into vfmadd*ps; no implicit
// contraction can change the result).
//
//   float s = dot(a, b, n);
//   Lanes4x4 acc; clear(acc); dot4x4_accumulate(x, x_stride, w, w_stride, 0, n, acc);
//   float o[16]; reduce(acc, o);  // o[4t + r] == dot(x_t, w_r, n)
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace boxed::inference::cpu {

inline constexpr int kLanes = 16;

inline float reduce_lanes(float* acc) {
  for (int width = kLanes / 2; width >= 1; width /= 2) {
    for (int j = 0; j < width; ++j) acc[j] += acc[j + width];
  }
  return acc[0];
}

// dot()'s lane loop over n elements onto lanes the caller keeps: running it over [0, a) and
// then [a, n) (a a multiple of 16) leaves the lanes of [0, n) at once; reduce_lanes finishes.
inline void dot_accumulate(const float* a, const float* b, int n, float* acc) {
  int k = 0;
  for (; k + kLanes <= n; k += kLanes) {
    for (int j = 0; j < kLanes; ++j) acc[j] = std::fma(a[k + j], b[k + j], acc[j]);
  }
  for (int j = 0; k + j < n; ++j) acc[j] = std::fma(a[k + j], b[k + j], acc[j]);
}

inline float dot(const float* a, const float* b, int n) {
  float acc[kLanes] = {};
  dot_accumulate(a, b, n, acc);
  return reduce_lanes(acc);
}

#if defined(__AVX512F__)
// out[i] = reduce_lanes(lanes of acc[i]) for 16 accumulators at once, in registers: each level of
// reduce_lanes' tree (lane j plus lane j + 8, then + 4, + 2, + 1) is one add over vectors that
// hold the same lanes of two to eight accumulators, gathered by 128-bit and in-lane shuffles. The
// same pairs are added in the same order, so the bits are reduce_lanes'. (The maskz forms: GCC
// 12 warns on the plain ones, whose source is _mm512_undefined; same instructions.)
inline void reduce_lanes_16(const __m512* acc, float* out) {
  constexpr __mmask16 kAll = 0xffff;
  __m512 l1[8], l2[4], l3[2];
  for (int k = 0; k < 8; ++k) {  // lanes j + (j + 8): [acc 2k | acc 2k+1], 8 lanes each
    const __m512 a = acc[2 * k], b = acc[2 * k + 1];
    l1[k] = _mm512_add_ps(_mm512_maskz_shuffle_f32x4(kAll, a, b, 0x44),   // a0..7, b0..7
                          _mm512_maskz_shuffle_f32x4(kAll, a, b, 0xee));  // a8..15, b8..15
  }
  for (int m = 0; m < 4; ++m) {  // + 4: 128-bit block q holds acc 4m + q, 4 lanes
    const __m512 p = l1[2 * m], q = l1[2 * m + 1];
    l2[m] = _mm512_add_ps(_mm512_maskz_shuffle_f32x4(kAll, p, q, 0x88),   // blocks 0, 2 of p, q
                          _mm512_maskz_shuffle_f32x4(kAll, p, q, 0xdd));  // blocks 1, 3
  }
  for (int n = 0; n < 2; ++n) {  // + 2: block b holds [acc 8n+b: 2 lanes | acc 8n+4+b: 2 lanes]
    const __m512 r = l2[2 * n], t = l2[2 * n + 1];
    l3[n] = _mm512_add_ps(_mm512_maskz_shuffle_ps(kAll, r, t, 0x44),   // r0 r1 t0 t1
                          _mm512_maskz_shuffle_ps(kAll, r, t, 0xee));  // r2 r3 t2 t3
  }
  // + 1: lane 4b + c holds acc 4c + b.
  const __m512 l4 = _mm512_add_ps(_mm512_maskz_shuffle_ps(kAll, l3[0], l3[1], 0x88),   // u0 u2 v0 v2
                                  _mm512_maskz_shuffle_ps(kAll, l3[0], l3[1], 0xdd));  // u1 u3 v1 v3
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  _mm512_storeu_ps(out, _mm512_maskz_permutexvar_ps(kAll, order, l4));
}
#endif

// The accumulators of sixteen dot products, four x rows by four w rows: dot()'s 16 lanes each
// (v[4 * t + r]), one zmm per accumulator with AVX-512.
struct Lanes4x4 {
#if defined(__AVX512F__)
  __m512 v[16];
#else
  float v[16][kLanes];
#endif
};

inline void clear(Lanes4x4& acc) {
#if defined(__AVX512F__)
  for (__m512& a : acc.v) a = _mm512_setzero_ps();
#else
  for (auto& a : acc.v) {
    for (float& f : a) f = 0.0f;
  }
#endif
}

// out[4 * t + r] = reduce_lanes(acc.v[4 * t + r]).
inline void reduce(const Lanes4x4& acc, float* out) {
#if defined(__AVX512F__)
  reduce_lanes_16(acc.v, out);
#else
  for (int i = 0; i < 16; ++i) {
    float lanes[kLanes];
    for (int j = 0; j < kLanes; ++j) lanes[j] = acc.v[i][j];
    out[i] = reduce_lanes(lanes);
  }
#endif
}

// The element loop of four x rows against four w rows (rows `stride` floats apart) over
// [k0, k1), onto accumulators the caller keeps: k0 a multiple of 16, and k1 too unless it ends
// the rows. Running [0, a) then [a, n) gives each lane the same FMAs in the same order as [0, n)
// at once, so a matmul can walk k in cache-sized chunks (matmul.cc) and every result keeps the
// bits of dot(x_t, w_r, n). Every x and w load feeds four FMAs. This is the inner kernel of every
// batched matmul (prefill, many samples), so with AVX-512 it is written with one zmm per
// accumulator (16 lanes = dot()'s lanes; the leftover elements with masked FMAs that leave the
// other lanes untouched, as dot()'s tail loop does): GCC vectorises the portable form for
// 256-bit registers on these CPUs (-mprefer-vector-width=256), two ymm per accumulator, which do
// not fit the register file.
inline void dot4x4_accumulate(const float* x, size_t x_stride, const float* w, size_t w_stride,
                              int k0, int k1, Lanes4x4& acc_io) {
#if defined(__AVX512F__)
  __m512 acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = acc_io.v[i];
  int k = k0;
  for (; k + kLanes <= k1; k += kLanes) {
    // Named registers, not an array, and each load pinned (asm): GCC otherwise folds the loads
    // into the FMAs (16 loads instead of 8 per 16 FMAs) or spills the rows to the stack, and
    // the loop is then bound by loads and stores (about half the FMA peak, measured).
    __m512 w0 = _mm512_loadu_ps(w + k), w1 = _mm512_loadu_ps(w + w_stride + k);
    __m512 w2 = _mm512_loadu_ps(w + 2 * w_stride + k), w3 = _mm512_loadu_ps(w + 3 * w_stride + k);
    asm("" : "+v"(w0), "+v"(w1), "+v"(w2), "+v"(w3));
    for (int t = 0; t < 4; ++t) {
      __m512 xv = _mm512_loadu_ps(x + t * x_stride + k);
      asm("" : "+v"(xv));
      acc[4 * t + 0] = _mm512_fmadd_ps(xv, w0, acc[4 * t + 0]);
      acc[4 * t + 1] = _mm512_fmadd_ps(xv, w1, acc[4 * t + 1]);
      acc[4 * t + 2] = _mm512_fmadd_ps(xv, w2, acc[4 * t + 2]);
      acc[4 * t + 3] = _mm512_fmadd_ps(xv, w3, acc[4 * t + 3]);
    }
  }
  if (k < k1) {
    const auto mask = static_cast<__mmask16>((1u << (k1 - k)) - 1);
    __m512 wv[4];
    for (int r = 0; r < 4; ++r) wv[r] = _mm512_maskz_loadu_ps(mask, w + r * w_stride + k);
    for (int t = 0; t < 4; ++t) {
      const __m512 xv = _mm512_maskz_loadu_ps(mask, x + t * x_stride + k);
      for (int r = 0; r < 4; ++r) {
        acc[4 * t + r] = _mm512_mask3_fmadd_ps(xv, wv[r], acc[4 * t + r], mask);
      }
    }
  }
  for (int i = 0; i < 16; ++i) acc_io.v[i] = acc[i];
#else
  for (int k = k0; k < k1; k += kLanes) {  // element k + j feeds lane j (k0 is whole lanes)
    const int lanes = std::min(kLanes, k1 - k);
    for (int j = 0; j < lanes; ++j) {
      for (int t = 0; t < 4; ++t) {
        const float xv = x[t * x_stride + k + j];
        for (int r = 0; r < 4; ++r) {
          acc_io.v[4 * t + r][j] = std::fma(xv, w[r * w_stride + k + j], acc_io.v[4 * t + r][j]);
        }
      }
    }
  }
#endif
}

// Four dot products of x with BF16 weight rows, widened in registers: for decode (a few x rows)
// this skips the fp32 tile and reads each weight byte once. out[r] is bit-identical to dot(x,
// widened w_r, n).
inline void dot4_bf16(const float* x, const uint16_t* w0, const uint16_t* w1, const uint16_t* w2,
                      const uint16_t* w3, int n, float* out) {
  const auto widen = [](uint16_t bits) {
    const uint32_t wide = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &wide, sizeof f);
    return f;
  };
  float a0[kLanes] = {}, a1[kLanes] = {}, a2[kLanes] = {}, a3[kLanes] = {};
  int k = 0;
  for (; k + kLanes <= n; k += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      const float xv = x[k + j];
      a0[j] = std::fma(xv, widen(w0[k + j]), a0[j]);
      a1[j] = std::fma(xv, widen(w1[k + j]), a1[j]);
      a2[j] = std::fma(xv, widen(w2[k + j]), a2[j]);
      a3[j] = std::fma(xv, widen(w3[k + j]), a3[j]);
    }
  }
  for (int j = 0; k + j < n; ++j) {
    const float xv = x[k + j];
    a0[j] = std::fma(xv, widen(w0[k + j]), a0[j]);
    a1[j] = std::fma(xv, widen(w1[k + j]), a1[j]);
    a2[j] = std::fma(xv, widen(w2[k + j]), a2[j]);
    a3[j] = std::fma(xv, widen(w3[k + j]), a3[j]);
  }
  out[0] = reduce_lanes(a0);
  out[1] = reduce_lanes(a1);
  out[2] = reduce_lanes(a2);
  out[3] = reduce_lanes(a3);
}

}  // namespace boxed::inference::cpu
