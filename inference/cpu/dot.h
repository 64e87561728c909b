// Dot products with a reduction order fixed by the code: 16 lane-wise partial sums with fused
// multiply-adds over the inner dimension, then a fixed pairwise tree over the lanes. Every CPU
// op that reduces uses these, so a result never depends on batch size, tiling or thread count.
// std::fma pins the rounding (the compiler turns the lane loops into vfmadd*ps; no implicit
// contraction can change the result).
//
//   float s = dot(a, b, n);
//   float out[4]; dot4(x, w0, w1, w2, w3, n, out);  // == {dot(x, w0, n), ..., dot(x, w3, n)}
//   float o[16]; dot4x4(x, x_stride, w, w_stride, n, o);  // o[4t + r] == dot(x_t, w_r, n)
#pragma once

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

inline float dot(const float* a, const float* b, int n) {
  float acc[kLanes] = {};
  int k = 0;
  for (; k + kLanes <= n; k += kLanes) {
    for (int j = 0; j < kLanes; ++j) acc[j] = std::fma(a[k + j], b[k + j], acc[j]);
  }
  for (int j = 0; k + j < n; ++j) acc[j] = std::fma(a[k + j], b[k + j], acc[j]);
  return reduce_lanes(acc);
}

// Four dot products sharing `x` (one load of x feeds four FMAs); each result is bit-identical
// to dot(x, w_r, n).
inline void dot4(const float* x, const float* w0, const float* w1, const float* w2,
                 const float* w3, int n, float* out) {
  float a0[kLanes] = {}, a1[kLanes] = {}, a2[kLanes] = {}, a3[kLanes] = {};
  int k = 0;
  for (; k + kLanes <= n; k += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      const float xv = x[k + j];
      a0[j] = std::fma(xv, w0[k + j], a0[j]);
      a1[j] = std::fma(xv, w1[k + j], a1[j]);
      a2[j] = std::fma(xv, w2[k + j], a2[j]);
      a3[j] = std::fma(xv, w3[k + j], a3[j]);
    }
  }
  for (int j = 0; k + j < n; ++j) {
    const float xv = x[k + j];
    a0[j] = std::fma(xv, w0[k + j], a0[j]);
    a1[j] = std::fma(xv, w1[k + j], a1[j]);
    a2[j] = std::fma(xv, w2[k + j], a2[j]);
    a3[j] = std::fma(xv, w3[k + j], a3[j]);
  }
  out[0] = reduce_lanes(a0);
  out[1] = reduce_lanes(a1);
  out[2] = reduce_lanes(a2);
  out[3] = reduce_lanes(a3);
}

// Sixteen dot products of four x rows with four w rows (rows `stride` floats apart): every x
// and w load feeds four FMAs. out[4 * t + r] is bit-identical to dot(x_t, w_r, n). This is the
// inner kernel of every batched matmul (prefill, many samples), so with AVX-512 it is written
// with one zmm per accumulator (16 lanes = dot()'s lanes; the leftover elements with masked
// FMAs that leave the other lanes untouched, as dot()'s tail loop does): GCC vectorises the
// portable form for 256-bit registers on these CPUs (-mprefer-vector-width=256), two ymm per
// accumulator, which do not fit the register file.
inline void dot4x4(const float* x, size_t x_stride, const float* w, size_t w_stride, int n,
                   float* out) {
#if defined(__AVX512F__)
  __m512 acc[16];
  for (__m512& a : acc) a = _mm512_setzero_ps();
  int k = 0;
  for (; k + kLanes <= n; k += kLanes) {
    __m512 wv[4];
    for (int r = 0; r < 4; ++r) {
      wv[r] = _mm512_loadu_ps(w + r * w_stride + k);
      // Keep the row in a register: GCC otherwise folds a load of it into each of its four
      // FMAs, and the loop is then bound by loads (a 64-token matmul was 30% slower).
      asm("" : "+v"(wv[r]));
    }
    for (int t = 0; t < 4; ++t) {
      const __m512 xv = _mm512_loadu_ps(x + t * x_stride + k);
      for (int r = 0; r < 4; ++r) acc[4 * t + r] = _mm512_fmadd_ps(xv, wv[r], acc[4 * t + r]);
    }
  }
  if (k < n) {
    const auto mask = static_cast<__mmask16>((1u << (n - k)) - 1);
    __m512 wv[4];
    for (int r = 0; r < 4; ++r) wv[r] = _mm512_maskz_loadu_ps(mask, w + r * w_stride + k);
    for (int t = 0; t < 4; ++t) {
      const __m512 xv = _mm512_maskz_loadu_ps(mask, x + t * x_stride + k);
      for (int r = 0; r < 4; ++r) {
        acc[4 * t + r] = _mm512_mask3_fmadd_ps(xv, wv[r], acc[4 * t + r], mask);
      }
    }
  }
  for (int i = 0; i < 16; ++i) {
    alignas(64) float lanes[kLanes];
    _mm512_store_ps(lanes, acc[i]);
    out[i] = reduce_lanes(lanes);
  }
#else
  float acc[16][kLanes] = {};
  const auto step = [&](int k, int lanes) {
    for (int j = 0; j < lanes; ++j) {
      for (int t = 0; t < 4; ++t) {
        const float xv = x[t * x_stride + k + j];
        for (int r = 0; r < 4; ++r) {
          acc[4 * t + r][j] = std::fma(xv, w[r * w_stride + k + j], acc[4 * t + r][j]);
        }
      }
    }
  };
  int k = 0;
  for (; k + kLanes <= n; k += kLanes) step(k, kLanes);
  if (k < n) step(k, n - k);
  for (int i = 0; i < 16; ++i) out[i] = reduce_lanes(acc[i]);
#endif
}

// dot4 over BF16 weight rows, widened in registers: for decode (a few x rows) this skips the
// fp32 tile and reads each weight byte once. Bit-identical to dot4 over the widened rows.
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
