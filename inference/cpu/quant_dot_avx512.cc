#include "inference/cpu/quant_dot_avx512.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "inference/cpu/dot.h"
#include "inference/cpu/quant_dot.h"
#include "inference/model/quant/blocks_k.h"

namespace boxed::inference::cpu {

#if defined(__AVX512F__)

namespace {

namespace quant = model::quant;
constexpr __mmask16 kAll = 0xffff;

// out[t * out_stride] = dot()'s pairwise tree over the 16 lanes of acc[t].
inline void reduce_tokens(const __m512* acc, int n_tokens, float* out, size_t out_stride) {
  for (int t = 0; t < n_tokens; ++t) {
    alignas(64) float lanes[kLanes];
    _mm512_store_ps(lanes, acc[t]);
    out[t * out_stride] = reduce_lanes(lanes);
  }
}

// Q4_K (ggml-common.h block_q4_K, 144 bytes): see blocks_k.h decode_q4_k for the arrangement.
template <int kTokens>
void dot_q4_k(const std::byte* row, int n, const float* x, size_t x_stride, float* out,
              size_t out_stride) {
  __m512 acc[kTokens];
  for (int t = 0; t < kTokens; ++t) acc[t] = _mm512_setzero_ps();
  const __m512 levels = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int b = 0; b < n / 256; ++b) {
    const std::byte* block = row + static_cast<size_t>(b) * 144;
    const float d = quant::load_half(block);
    const float dmin = quant::load_half(block + 2);
    const uint8_t* qs = quant::block_bytes(block) + 16;
    int sc[8], mn[8];
    quant::unpack_scale_min_k4(quant::block_bytes(block) + 4, sc, mn);
    float dl[8], ml[8];  // the sub-block scales and minimums, 8 at a time (vectorised)
    for (int s = 0; s < 8; ++s) {
      dl[s] = d * static_cast<float>(sc[s]);
      ml[s] = dmin * static_cast<float>(mn[s]);
    }
    for (int s = 0; s < 8; ++s) {  // sub-block s: elements 32s..32s+31
      // table[q] = dl * q - ml: a rounded product, then a rounded difference, as the decoder.
      const __m512 table =
          _mm512_sub_ps(_mm512_mul_ps(_mm512_set1_ps(dl[s]), levels), _mm512_set1_ps(ml[s]));
      const uint8_t* q = qs + 32 * (s / 2);
      for (int g = 0; g < 2; ++g) {
        // The all-lanes maskz forms: GCC 12's plain forms warn (-Wmaybe-uninitialized, their
        // _mm512_undefined source operand); the instructions are the same.
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16 * g));
        __m512i idx = _mm512_maskz_cvtepu8_epi32(kAll, bytes);
        if (s % 2 == 1) idx = _mm512_maskz_srli_epi32(kAll, idx, 4);  // high nibbles
        const __m512 w = _mm512_maskz_permutexvar_ps(kAll, idx, table);  // reads 4 index bits
        const size_t elem = static_cast<size_t>(b) * 256 + 32 * s + 16 * g;
        for (int t = 0; t < kTokens; ++t) {
          acc[t] = _mm512_fmadd_ps(_mm512_loadu_ps(x + t * x_stride + elem), w, acc[t]);
        }
      }
    }
  }
  reduce_tokens(acc, kTokens, out, out_stride);
}

// Q5_0 (ggml-common.h block_q5_0, 22 bytes; blocks_32.h decode_q5_0): 32 levels d * (q - 16),
// looked up with one vpermt2ps from two 16-entry tables; bit 4 of the index comes from qh.
template <int kTokens>
void dot_q5_0(const std::byte* row, int n, const float* x, size_t x_stride, float* out,
              size_t out_stride) {
  __m512 acc[kTokens];
  for (int t = 0; t < kTokens; ++t) acc[t] = _mm512_setzero_ps();
  const __m512 low_levels = _mm512_setr_ps(-16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5,
                                           -4, -3, -2, -1);  // q = 0..15
  const __m512 high_levels = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i nibble = _mm512_set1_epi32(0x0f), bit4 = _mm512_set1_epi32(0x10);
  for (int b = 0; b < n / 32; ++b) {
    const std::byte* block = row + static_cast<size_t>(b) * 22;
    const __m512 d = _mm512_set1_ps(quant::load_half(block));
    const uint32_t qh = quant::load_u32_le(quant::block_bytes(block) + 2);
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 6));
    const __m512 table_low = _mm512_mul_ps(d, low_levels), table_high = _mm512_mul_ps(d, high_levels);
    const __m512i wide = _mm512_maskz_cvtepu8_epi32(kAll, bytes);
    for (int g = 0; g < 2; ++g) {  // elements 16g..16g+15: low, then high nibbles of qs
      __m512i idx = g == 0 ? _mm512_and_si512(wide, nibble) : _mm512_maskz_srli_epi32(kAll, wide, 4);
      idx = _mm512_mask_or_epi32(idx, static_cast<__mmask16>(qh >> (16 * g)), idx, bit4);
      const __m512 w = _mm512_permutex2var_ps(table_low, idx, table_high);
      const size_t elem = static_cast<size_t>(b) * 32 + 16 * g;
      for (int t = 0; t < kTokens; ++t) {
        acc[t] = _mm512_fmadd_ps(_mm512_loadu_ps(x + t * x_stride + elem), w, acc[t]);
      }
    }
  }
  reduce_tokens(acc, kTokens, out, out_stride);
}

// Q6_K (ggml-common.h block_q6_K, 210 bytes; blocks_k.h decode_q6_k): 64 levels per sub-block of
// 16 are too many for a table, so each group of 16 is decoded in one zmm: 4 low bits from ql, 2
// high bits from qh, (d * sc) * (q - 32) with the decoder's rounding.
template <int kTokens>
void dot_q6_k(const std::byte* row, int n, const float* x, size_t x_stride, float* out,
              size_t out_stride) {
  __m512 acc[kTokens];
  for (int t = 0; t < kTokens; ++t) acc[t] = _mm512_setzero_ps();
  const __m512i nibble = _mm512_set1_epi32(0x0f), two_bits = _mm512_set1_epi32(0x03);
  const __m512i offset = _mm512_set1_epi32(32);
  for (int b = 0; b < n / 256; ++b) {
    const std::byte* block = row + static_cast<size_t>(b) * 210;
    const uint8_t* ql = quant::block_bytes(block);
    const uint8_t* qh = ql + 128;
    const int8_t* scales = reinterpret_cast<const int8_t*>(block + 192);
    const float d = quant::load_half(block + 208);
    for (int h = 0; h < 2; ++h) {
      for (int p = 0; p < 4; ++p) {
        for (int g = 0; g < 2; ++g) {  // elements 128h + 32p + 16g ..+15, sub-block 8h + 2p + g
          const __m512i lo_bytes = _mm512_maskz_cvtepu8_epi32(
              kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(ql + 64 * h + 32 * (p % 2) + 16 * g)));
          const __m512i hi_bytes = _mm512_maskz_cvtepu8_epi32(
              kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(qh + 32 * h + 16 * g)));
          const __m512i lo = _mm512_and_si512(
              p < 2 ? lo_bytes : _mm512_maskz_srli_epi32(kAll, lo_bytes, 4), nibble);
          const __m512i hi = _mm512_and_si512(_mm512_maskz_srli_epi32(kAll, hi_bytes, 2 * p), two_bits);
          const __m512i q = _mm512_sub_epi32(_mm512_or_si512(lo, _mm512_maskz_slli_epi32(kAll, hi, 4)), offset);
          const float dl = d * static_cast<float>(scales[8 * h + 2 * p + g]);
          const __m512 w = _mm512_mul_ps(_mm512_set1_ps(dl), _mm512_maskz_cvtepi32_ps(kAll, q));
          const size_t elem = static_cast<size_t>(b) * 256 + 128 * h + 32 * p + 16 * g;
          for (int t = 0; t < kTokens; ++t) {
            acc[t] = _mm512_fmadd_ps(_mm512_loadu_ps(x + t * x_stride + elem), w, acc[t]);
          }
        }
      }
    }
  }
  reduce_tokens(acc, kTokens, out, out_stride);
}

// Q8_0 (ggml-common.h block_q8_0, 34 bytes; blocks_32.h decode_q8_0): d * q, 16 at a time.
template <int kTokens>
void dot_q8_0(const std::byte* row, int n, const float* x, size_t x_stride, float* out,
              size_t out_stride) {
  __m512 acc[kTokens];
  for (int t = 0; t < kTokens; ++t) acc[t] = _mm512_setzero_ps();
  for (int b = 0; b < n / 32; ++b) {
    const std::byte* block = row + static_cast<size_t>(b) * 34;
    const __m512 d = _mm512_set1_ps(quant::load_half(block));
    for (int g = 0; g < 2; ++g) {
      const __m512i q = _mm512_maskz_cvtepi8_epi32(
          kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2 + 16 * g)));
      const __m512 w = _mm512_mul_ps(d, _mm512_maskz_cvtepi32_ps(kAll, q));
      const size_t elem = static_cast<size_t>(b) * 32 + 16 * g;
      for (int t = 0; t < kTokens; ++t) {
        acc[t] = _mm512_fmadd_ps(_mm512_loadu_ps(x + t * x_stride + elem), w, acc[t]);
      }
    }
  }
  reduce_tokens(acc, kTokens, out, out_stride);
}

}  // namespace

bool quant_dot_avx512(model::DType dtype, const std::byte* row, int n, const float* x,
                      size_t x_stride, int n_tokens, float* out, size_t out_stride) {
  using model::DType;
  using Kernel = void (*)(const std::byte*, int, const float*, size_t, float*, size_t);
  // One kernel per (type, token count): the accumulators of every token stay in registers.
  Kernel kernels[kMaxQuantDotTokens] = {};
  switch (dtype) {
    case DType::kQ4_K: kernels[0] = dot_q4_k<1>, kernels[1] = dot_q4_k<2>,
                       kernels[2] = dot_q4_k<3>, kernels[3] = dot_q4_k<4>; break;
    case DType::kQ5_0: kernels[0] = dot_q5_0<1>, kernels[1] = dot_q5_0<2>,
                       kernels[2] = dot_q5_0<3>, kernels[3] = dot_q5_0<4>; break;
    case DType::kQ6_K: kernels[0] = dot_q6_k<1>, kernels[1] = dot_q6_k<2>,
                       kernels[2] = dot_q6_k<3>, kernels[3] = dot_q6_k<4>; break;
    case DType::kQ8_0: kernels[0] = dot_q8_0<1>, kernels[1] = dot_q8_0<2>,
                       kernels[2] = dot_q8_0<3>, kernels[3] = dot_q8_0<4>; break;
    default: return false;
  }
  if (n_tokens < 1 || n_tokens > kMaxQuantDotTokens) return false;
  kernels[n_tokens - 1](row, n, x, x_stride, out, out_stride);
  return true;
}

#else

bool quant_dot_avx512(model::DType, const std::byte*, int, const float*, size_t, int, float*,
                      size_t) {
  return false;
}

#endif

}  // namespace boxed::inference::cpu
