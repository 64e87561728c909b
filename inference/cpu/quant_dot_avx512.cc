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

// Every kernel keeps one accumulator per (row, token), acc[r][t]: the rows' chains of FMAs are
// independent, so kRows rows in flight hide the FMA latency that a single row's chain (one zmm,
// one FMA after another) is bound by, and each x load feeds kRows FMAs. A chain itself is dot()'s
// lane loop for its row, unchanged.
template <int kRows, int kTokens>
struct Accumulators {
  __m512 acc[kRows][kTokens];
  Accumulators() {
    for (auto& row : acc) {
      for (__m512& a : row) a = _mm512_setzero_ps();
    }
  }
  // acc[r][t] += x_t[elem .. elem + 15] * w[r], for every row and token.
  void fma(const float* x, size_t x_stride, size_t elem, const __m512* w) {
    for (int t = 0; t < kTokens; ++t) {
      const __m512 xv = _mm512_loadu_ps(x + t * x_stride + elem);
      for (int r = 0; r < kRows; ++r) acc[r][t] = _mm512_fmadd_ps(xv, w[r], acc[r][t]);
    }
  }
  // out[t * out_stride + r] = dot()'s pairwise tree over the 16 lanes of acc[r][t].
  void store(float* out, size_t out_stride) const {
    for (int r = 0; r < kRows; ++r) {
      for (int t = 0; t < kTokens; ++t) {
        alignas(64) float lanes[kLanes];
        _mm512_store_ps(lanes, acc[r][t]);
        out[t * out_stride + r] = reduce_lanes(lanes);
      }
    }
  }
};

// Q4_K (ggml-common.h block_q4_K, 144 bytes): see blocks_k.h decode_q4_k for the arrangement.
template <int kRows, int kTokens>
void dot_q4_k(const std::byte* rows, size_t row_bytes, int n, const float* x, size_t x_stride,
              float* out, size_t out_stride) {
  Accumulators<kRows, kTokens> acc;
  const __m512 levels = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int b = 0; b < n / 256; ++b) {
    const std::byte* block[kRows];
    float dl[kRows][8], ml[kRows][8];  // the sub-block scales and minimums of each row
    for (int r = 0; r < kRows; ++r) {
      block[r] = rows + r * row_bytes + static_cast<size_t>(b) * 144;
      const float d = quant::load_half(block[r]);
      const float dmin = quant::load_half(block[r] + 2);
      int sc[8], mn[8];
      quant::unpack_scale_min_k4(quant::block_bytes(block[r]) + 4, sc, mn);
      for (int s = 0; s < 8; ++s) {
        dl[r][s] = d * static_cast<float>(sc[s]);
        ml[r][s] = dmin * static_cast<float>(mn[s]);
      }
    }
    for (int s = 0; s < 8; ++s) {  // sub-block s: elements 32s..32s+31
      // table[q] = dl * q - ml: a rounded product, then a rounded difference, as the decoder.
      __m512 table[kRows];
      for (int r = 0; r < kRows; ++r) {
        table[r] = _mm512_sub_ps(_mm512_mul_ps(_mm512_set1_ps(dl[r][s]), levels), _mm512_set1_ps(ml[r][s]));
      }
      for (int g = 0; g < 2; ++g) {
        __m512 w[kRows];
        for (int r = 0; r < kRows; ++r) {
          const uint8_t* q = quant::block_bytes(block[r]) + 16 + 32 * (s / 2) + 16 * g;
          // The all-lanes maskz forms: GCC 12's plain forms warn (-Wmaybe-uninitialized, their
          // _mm512_undefined source operand); the instructions are the same.
          __m512i idx = _mm512_maskz_cvtepu8_epi32(kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(q)));
          if (s % 2 == 1) idx = _mm512_maskz_srli_epi32(kAll, idx, 4);  // high nibbles
          w[r] = _mm512_maskz_permutexvar_ps(kAll, idx, table[r]);      // reads 4 index bits
        }
        acc.fma(x, x_stride, static_cast<size_t>(b) * 256 + 32 * s + 16 * g, w);
      }
    }
  }
  acc.store(out, out_stride);
}

// Q5_0 (ggml-common.h block_q5_0, 22 bytes; blocks_32.h decode_q5_0): 32 levels d * (q - 16),
// looked up with one vpermt2ps from two 16-entry tables; bit 4 of the index comes from qh.
template <int kRows, int kTokens>
void dot_q5_0(const std::byte* rows, size_t row_bytes, int n, const float* x, size_t x_stride,
              float* out, size_t out_stride) {
  Accumulators<kRows, kTokens> acc;
  const __m512 low_levels = _mm512_setr_ps(-16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5,
                                           -4, -3, -2, -1);  // q = 0..15
  const __m512 high_levels = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i nibble = _mm512_set1_epi32(0x0f), bit4 = _mm512_set1_epi32(0x10);
  for (int b = 0; b < n / 32; ++b) {
    __m512 table_low[kRows], table_high[kRows];
    __m512i wide[kRows];
    uint32_t qh[kRows];
    for (int r = 0; r < kRows; ++r) {
      const std::byte* block = rows + r * row_bytes + static_cast<size_t>(b) * 22;
      const __m512 d = _mm512_set1_ps(quant::load_half(block));
      qh[r] = quant::load_u32_le(quant::block_bytes(block) + 2);
      table_low[r] = _mm512_mul_ps(d, low_levels);
      table_high[r] = _mm512_mul_ps(d, high_levels);
      wide[r] = _mm512_maskz_cvtepu8_epi32(kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 6)));
    }
    for (int g = 0; g < 2; ++g) {  // elements 16g..16g+15: low, then high nibbles of qs
      __m512 w[kRows];
      for (int r = 0; r < kRows; ++r) {
        __m512i idx = g == 0 ? _mm512_and_si512(wide[r], nibble) : _mm512_maskz_srli_epi32(kAll, wide[r], 4);
        idx = _mm512_mask_or_epi32(idx, static_cast<__mmask16>(qh[r] >> (16 * g)), idx, bit4);
        w[r] = _mm512_permutex2var_ps(table_low[r], idx, table_high[r]);
      }
      acc.fma(x, x_stride, static_cast<size_t>(b) * 32 + 16 * g, w);
    }
  }
  acc.store(out, out_stride);
}

// Q6_K (ggml-common.h block_q6_K, 210 bytes; blocks_k.h decode_q6_k): 64 levels per sub-block of
// 16 are too many for a table, so each group of 16 is decoded in one zmm: 4 low bits from ql, 2
// high bits from qh, (d * sc) * (q - 32) with the decoder's rounding.
template <int kRows, int kTokens>
void dot_q6_k(const std::byte* rows, size_t row_bytes, int n, const float* x, size_t x_stride,
              float* out, size_t out_stride) {
  Accumulators<kRows, kTokens> acc;
  const __m512i nibble = _mm512_set1_epi32(0x0f), two_bits = _mm512_set1_epi32(0x03);
  const __m512i offset = _mm512_set1_epi32(32);
  for (int b = 0; b < n / 256; ++b) {
    const std::byte* block[kRows];
    float d[kRows];
    for (int r = 0; r < kRows; ++r) {
      block[r] = rows + r * row_bytes + static_cast<size_t>(b) * 210;
      d[r] = quant::load_half(block[r] + 208);
    }
    for (int h = 0; h < 2; ++h) {
      for (int p = 0; p < 4; ++p) {
        for (int g = 0; g < 2; ++g) {  // elements 128h + 32p + 16g ..+15, sub-block 8h + 2p + g
          __m512 w[kRows];
          for (int r = 0; r < kRows; ++r) {
            const uint8_t* ql = quant::block_bytes(block[r]);
            const uint8_t* qh = ql + 128;
            const int8_t* scales = reinterpret_cast<const int8_t*>(block[r] + 192);
            const __m512i lo_bytes = _mm512_maskz_cvtepu8_epi32(
                kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(ql + 64 * h + 32 * (p % 2) + 16 * g)));
            const __m512i hi_bytes = _mm512_maskz_cvtepu8_epi32(
                kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(qh + 32 * h + 16 * g)));
            const __m512i lo = _mm512_and_si512(
                p < 2 ? lo_bytes : _mm512_maskz_srli_epi32(kAll, lo_bytes, 4), nibble);
            const __m512i hi = _mm512_and_si512(_mm512_maskz_srli_epi32(kAll, hi_bytes, 2 * p), two_bits);
            const __m512i q = _mm512_sub_epi32(_mm512_or_si512(lo, _mm512_maskz_slli_epi32(kAll, hi, 4)), offset);
            const float dl = d[r] * static_cast<float>(scales[8 * h + 2 * p + g]);
            w[r] = _mm512_mul_ps(_mm512_set1_ps(dl), _mm512_maskz_cvtepi32_ps(kAll, q));
          }
          acc.fma(x, x_stride, static_cast<size_t>(b) * 256 + 128 * h + 32 * p + 16 * g, w);
        }
      }
    }
  }
  acc.store(out, out_stride);
}

// Q8_0 (ggml-common.h block_q8_0, 34 bytes; blocks_32.h decode_q8_0): d * q, 16 at a time.
template <int kRows, int kTokens>
void dot_q8_0(const std::byte* rows, size_t row_bytes, int n, const float* x, size_t x_stride,
              float* out, size_t out_stride) {
  Accumulators<kRows, kTokens> acc;
  for (int b = 0; b < n / 32; ++b) {
    for (int g = 0; g < 2; ++g) {
      __m512 w[kRows];
      for (int r = 0; r < kRows; ++r) {
        const std::byte* block = rows + r * row_bytes + static_cast<size_t>(b) * 34;
        const __m512i q = _mm512_maskz_cvtepi8_epi32(
            kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2 + 16 * g)));
        w[r] = _mm512_mul_ps(_mm512_set1_ps(quant::load_half(block)), _mm512_maskz_cvtepi32_ps(kAll, q));
      }
      acc.fma(x, x_stride, static_cast<size_t>(b) * 32 + 16 * g, w);
    }
  }
  acc.store(out, out_stride);
}

using Kernel = void (*)(const std::byte*, size_t, int, const float*, size_t, float*, size_t);

// table[0][t - 1]: one row, t tokens; table[1][t - 1]: kQuantDotRows rows, t tokens.
#define BOXED_KERNEL_TABLE(fn)                                                          \
  {{fn<1, 1>, fn<1, 2>, fn<1, 3>, fn<1, 4>},                                            \
   {fn<kQuantDotRows, 1>, fn<kQuantDotRows, 2>, fn<kQuantDotRows, 3>, fn<kQuantDotRows, 4>}}

}  // namespace

bool quant_dot_avx512(model::DType dtype, const std::byte* rows, size_t row_bytes, int n_rows,
                      int n, const float* x, size_t x_stride, int n_tokens, float* out,
                      size_t out_stride) {
  static_assert(kMaxQuantDotTokens == 4, "the kernel tables below list token counts 1..4");
  using model::DType;
  static constexpr Kernel q4_k[2][4] = BOXED_KERNEL_TABLE(dot_q4_k);
  static constexpr Kernel q5_0[2][4] = BOXED_KERNEL_TABLE(dot_q5_0);
  static constexpr Kernel q6_k[2][4] = BOXED_KERNEL_TABLE(dot_q6_k);
  static constexpr Kernel q8_0[2][4] = BOXED_KERNEL_TABLE(dot_q8_0);
  const Kernel(*table)[4] = nullptr;
  switch (dtype) {
    case DType::kQ4_K: table = q4_k; break;
    case DType::kQ5_0: table = q5_0; break;
    case DType::kQ6_K: table = q6_k; break;
    case DType::kQ8_0: table = q8_0; break;
    default: return false;
  }
  if (n_tokens < 1 || n_tokens > kMaxQuantDotTokens || n_rows < 1 || n_rows > kQuantDotRows) {
    return false;
  }
  if (n_rows == kQuantDotRows) {
    table[1][n_tokens - 1](rows, row_bytes, n, x, x_stride, out, out_stride);
  } else {
    for (int r = 0; r < n_rows; ++r) {
      table[0][n_tokens - 1](rows + r * row_bytes, row_bytes, n, x, x_stride, out + r, out_stride);
    }
  }
  return true;
}

#else

bool quant_dot_avx512(model::DType, const std::byte*, size_t, int, int, const float*, size_t, int,
                      float*, size_t) {
  return false;
}

#endif

}  // namespace boxed::inference::cpu
