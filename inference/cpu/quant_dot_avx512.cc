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

// The loops over a kernel's rows and tokens must be unrolled completely: an accumulator indexed
// by a loop variable would live in memory, and every FMA would wait on a store and a load.
#define BOXED_UNROLL_ALL _Pragma("GCC unroll 16")

// Reading several rows at once interleaves their addresses, which the hardware prefetchers
// follow poorly (a batch-1 matmul over a 150k-row head ran at half the speed of row-by-row
// reading). So each kernel prefetches, as it reads a block of row r, the same block of row r of
// the next group: kRows rows ahead, about one group's worth of reading.
template <int kRows>
inline void prefetch_next_group(const std::byte* block, size_t row_bytes) {
  _mm_prefetch(reinterpret_cast<const char*>(block + kRows * row_bytes), _MM_HINT_T0);
}

// Every kernel computes kRows rows x kTokens tokens at once: accumulator (r, t) is one chain of
// fused multiply-adds over the elements in increasing order, exactly dot()'s lane loop, so the
// grouping changes nothing in the bits; it gives the core kRows x kTokens independent chains to
// overlap (one chain waits the FMA latency, 4 cycles, between its steps) and loads each x
// vector once for all rows. Rows are row_bytes apart; out[t * out_stride + r].
template <int kRows, int kTokens>
struct Accumulators {
  __m512 acc[kRows][kTokens];
  Accumulators() {
    BOXED_UNROLL_ALL
    for (auto& row : acc) {
      BOXED_UNROLL_ALL
      for (__m512& a : row) a = _mm512_setzero_ps();
    }
  }
  // Loads x[t][elem..elem+15] once and adds x_t * w(r) into every chain; w(r) gives row r's 16
  // decoded weights.
  template <typename Weights>
  void fma(const float* x, size_t x_stride, size_t elem, const Weights& w) {
    __m512 xv[kTokens];
    BOXED_UNROLL_ALL
    for (int t = 0; t < kTokens; ++t) xv[t] = _mm512_loadu_ps(x + t * x_stride + elem);
    BOXED_UNROLL_ALL
    for (int r = 0; r < kRows; ++r) {
      const __m512 wr = w(r);
      BOXED_UNROLL_ALL
      for (int t = 0; t < kTokens; ++t) acc[r][t] = _mm512_fmadd_ps(xv[t], wr, acc[r][t]);
    }
  }
  // out[t * out_stride + r] = dot()'s pairwise tree over the 16 lanes of chain (r, t).
  void reduce(float* out, size_t out_stride) const {
    BOXED_UNROLL_ALL
    for (int r = 0; r < kRows; ++r) {
      BOXED_UNROLL_ALL
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
struct DotQ4K {
  static void run(const std::byte* rows, size_t row_bytes, int n, const float* x, size_t x_stride,
                  float* out, size_t out_stride) {
    Accumulators<kRows, kTokens> acc;
    const __m512 levels = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int b = 0; b < n / 256; ++b) {
      float dl[kRows][8], ml[kRows][8];  // the sub-block scales and minimums of each row
      const uint8_t* qs[kRows];
      BOXED_UNROLL_ALL
      for (int r = 0; r < kRows; ++r) {
        const std::byte* block = rows + r * row_bytes + static_cast<size_t>(b) * 144;
        prefetch_next_group<kRows>(block, row_bytes);
        prefetch_next_group<kRows>(block + 64, row_bytes);
        prefetch_next_group<kRows>(block + 128, row_bytes);
        const float d = quant::load_half(block);
        const float dmin = quant::load_half(block + 2);
        qs[r] = quant::block_bytes(block) + 16;
        int sc[8], mn[8];
        quant::unpack_scale_min_k4(quant::block_bytes(block) + 4, sc, mn);
        for (int s = 0; s < 8; ++s) {
          dl[r][s] = d * static_cast<float>(sc[s]);
          ml[r][s] = dmin * static_cast<float>(mn[s]);
        }
      }
      for (int s = 0; s < 8; ++s) {  // sub-block s: elements 32s..32s+31
        // table[q] = dl * q - ml: a rounded product, then a rounded difference, as the decoder.
        __m512 table[kRows];
        BOXED_UNROLL_ALL
        for (int r = 0; r < kRows; ++r) {
          table[r] = _mm512_sub_ps(_mm512_mul_ps(_mm512_set1_ps(dl[r][s]), levels),
                                   _mm512_set1_ps(ml[r][s]));
        }
        for (int g = 0; g < 2; ++g) {
          acc.fma(x, x_stride, static_cast<size_t>(b) * 256 + 32 * s + 16 * g, [&](int r) {
            // The all-lanes maskz forms: GCC 12's plain forms warn (-Wmaybe-uninitialized, their
            // _mm512_undefined source operand); the instructions are the same.
            const __m128i bytes =
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs[r] + 32 * (s / 2) + 16 * g));
            __m512i idx = _mm512_maskz_cvtepu8_epi32(kAll, bytes);
            if (s % 2 == 1) idx = _mm512_maskz_srli_epi32(kAll, idx, 4);  // high nibbles
            return _mm512_maskz_permutexvar_ps(kAll, idx, table[r]);  // reads 4 index bits
          });
        }
      }
    }
    acc.reduce(out, out_stride);
  }
};

// Q5_0 (ggml-common.h block_q5_0, 22 bytes; blocks_32.h decode_q5_0): 32 levels d * (q - 16),
// looked up with one vpermt2ps from two 16-entry tables; bit 4 of the index comes from qh.
template <int kRows, int kTokens>
struct DotQ50 {
  static void run(const std::byte* rows, size_t row_bytes, int n, const float* x, size_t x_stride,
                  float* out, size_t out_stride) {
    Accumulators<kRows, kTokens> acc;
    const __m512 low_levels = _mm512_setr_ps(-16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6,
                                             -5, -4, -3, -2, -1);  // q = 0..15
    const __m512 high_levels =
        _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i nibble = _mm512_set1_epi32(0x0f), bit4 = _mm512_set1_epi32(0x10);
    for (int b = 0; b < n / 32; ++b) {
      __m512 table_low[kRows], table_high[kRows];
      __m512i wide[kRows];
      uint32_t qh[kRows];
      BOXED_UNROLL_ALL
      for (int r = 0; r < kRows; ++r) {
        const std::byte* block = rows + r * row_bytes + static_cast<size_t>(b) * 22;
        if (b % 3 == 0) prefetch_next_group<kRows>(block, row_bytes);  // 66 bytes per 3 blocks
        const __m512 d = _mm512_set1_ps(quant::load_half(block));
        qh[r] = quant::load_u32_le(quant::block_bytes(block) + 2);
        table_low[r] = _mm512_mul_ps(d, low_levels);
        table_high[r] = _mm512_mul_ps(d, high_levels);
        wide[r] = _mm512_maskz_cvtepu8_epi32(
            kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 6)));
      }
      for (int g = 0; g < 2; ++g) {  // elements 16g..16g+15: low, then high nibbles of qs
        acc.fma(x, x_stride, static_cast<size_t>(b) * 32 + 16 * g, [&](int r) {
          __m512i idx = g == 0 ? _mm512_and_si512(wide[r], nibble)
                               : _mm512_maskz_srli_epi32(kAll, wide[r], 4);
          idx = _mm512_mask_or_epi32(idx, static_cast<__mmask16>(qh[r] >> (16 * g)), idx, bit4);
          return _mm512_permutex2var_ps(table_low[r], idx, table_high[r]);
        });
      }
    }
    acc.reduce(out, out_stride);
  }
};

// Q6_K (ggml-common.h block_q6_K, 210 bytes; blocks_k.h decode_q6_k): 64 levels per sub-block of
// 16 are too many for a table, so each group of 16 is decoded in one zmm: 4 low bits from ql, 2
// high bits from qh, (d * sc) * (q - 32) with the decoder's rounding.
template <int kRows, int kTokens>
struct DotQ6K {
  static void run(const std::byte* rows, size_t row_bytes, int n, const float* x, size_t x_stride,
                  float* out, size_t out_stride) {
    Accumulators<kRows, kTokens> acc;
    const __m512i nibble = _mm512_set1_epi32(0x0f), two_bits = _mm512_set1_epi32(0x03);
    const __m512i offset = _mm512_set1_epi32(32);
    for (int b = 0; b < n / 256; ++b) {
      const uint8_t* ql[kRows];
      const int8_t* scales[kRows];
      float d[kRows];
      BOXED_UNROLL_ALL
      for (int r = 0; r < kRows; ++r) {
        const std::byte* block = rows + r * row_bytes + static_cast<size_t>(b) * 210;
        for (int line = 0; line < 210; line += 64) prefetch_next_group<kRows>(block + line, row_bytes);
        ql[r] = quant::block_bytes(block);
        scales[r] = reinterpret_cast<const int8_t*>(block + 192);
        d[r] = quant::load_half(block + 208);
      }
      for (int h = 0; h < 2; ++h) {
        for (int p = 0; p < 4; ++p) {
          for (int g = 0; g < 2; ++g) {  // elements 128h + 32p + 16g ..+15, sub-block 8h + 2p + g
            const size_t elem = static_cast<size_t>(b) * 256 + 128 * h + 32 * p + 16 * g;
            acc.fma(x, x_stride, elem, [&](int r) {
              const uint8_t* qh = ql[r] + 128;
              const __m512i lo_bytes = _mm512_maskz_cvtepu8_epi32(
                  kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(
                            ql[r] + 64 * h + 32 * (p % 2) + 16 * g)));
              const __m512i hi_bytes = _mm512_maskz_cvtepu8_epi32(
                  kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(qh + 32 * h + 16 * g)));
              const __m512i lo = _mm512_and_si512(
                  p < 2 ? lo_bytes : _mm512_maskz_srli_epi32(kAll, lo_bytes, 4), nibble);
              const __m512i hi =
                  _mm512_and_si512(_mm512_maskz_srli_epi32(kAll, hi_bytes, 2 * p), two_bits);
              const __m512i q = _mm512_sub_epi32(
                  _mm512_or_si512(lo, _mm512_maskz_slli_epi32(kAll, hi, 4)), offset);
              const float dl = d[r] * static_cast<float>(scales[r][8 * h + 2 * p + g]);
              return _mm512_mul_ps(_mm512_set1_ps(dl), _mm512_maskz_cvtepi32_ps(kAll, q));
            });
          }
        }
      }
    }
    acc.reduce(out, out_stride);
  }
};

// Q4_1 (ggml-common.h block_q4_1, 20 bytes; blocks_32.h decode_q4_1): 16 levels d * q + m (a
// rounded product, then a rounded sum, as the decoder), looked up with one vpermps; elements
// 0..15 are the low nibbles of qs, 16..31 the high ones.
template <int kRows, int kTokens>
struct DotQ41 {
  static void run(const std::byte* rows, size_t row_bytes, int n, const float* x, size_t x_stride,
                  float* out, size_t out_stride) {
    Accumulators<kRows, kTokens> acc;
    const __m512 levels = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i nibble = _mm512_set1_epi32(0x0f);
    for (int b = 0; b < n / 32; ++b) {
      __m512 table[kRows];
      __m512i wide[kRows];
      BOXED_UNROLL_ALL
      for (int r = 0; r < kRows; ++r) {
        const std::byte* block = rows + r * row_bytes + static_cast<size_t>(b) * 20;
        if (b % 3 == 0) prefetch_next_group<kRows>(block, row_bytes);  // 60 bytes per 3 blocks
        table[r] = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(quant::load_half(block)), levels),
                                 _mm512_set1_ps(quant::load_half(block + 2)));
        wide[r] = _mm512_maskz_cvtepu8_epi32(
            kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 4)));
      }
      for (int g = 0; g < 2; ++g) {
        acc.fma(x, x_stride, static_cast<size_t>(b) * 32 + 16 * g, [&](int r) {
          const __m512i idx = g == 0 ? _mm512_and_si512(wide[r], nibble)
                                     : _mm512_maskz_srli_epi32(kAll, wide[r], 4);
          return _mm512_maskz_permutexvar_ps(kAll, idx, table[r]);
        });
      }
    }
    acc.reduce(out, out_stride);
  }
};

// Q8_0 (ggml-common.h block_q8_0, 34 bytes; blocks_32.h decode_q8_0): d * q, 16 at a time.
template <int kRows, int kTokens>
struct DotQ80 {
  static void run(const std::byte* rows, size_t row_bytes, int n, const float* x, size_t x_stride,
                  float* out, size_t out_stride) {
    Accumulators<kRows, kTokens> acc;
    for (int b = 0; b < n / 32; ++b) {
      const std::byte* block[kRows];
      __m512 d[kRows];
      BOXED_UNROLL_ALL
      for (int r = 0; r < kRows; ++r) {
        block[r] = rows + r * row_bytes + static_cast<size_t>(b) * 34;
        prefetch_next_group<kRows>(block[r], row_bytes);
        d[r] = _mm512_set1_ps(quant::load_half(block[r]));
      }
      for (int g = 0; g < 2; ++g) {
        acc.fma(x, x_stride, static_cast<size_t>(b) * 32 + 16 * g, [&](int r) {
          const __m512i q = _mm512_maskz_cvtepi8_epi32(
              kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(block[r] + 2 + 16 * g)));
          return _mm512_mul_ps(d[r], _mm512_maskz_cvtepi32_ps(kAll, q));
        });
      }
    }
    acc.reduce(out, out_stride);
  }
};

using Kernel = void (*)(const std::byte*, size_t, int, const float*, size_t, float*, size_t);

// The row group per token count: kOneToken rows at one token (4 chains in flight where
// measured faster), 2 x 2 at two tokens, one row at 3 or 4 tokens (already 3 or 4 chains); the
// one-row kernel for the rows left over.
struct KernelPlan {
  Kernel group = nullptr;
  int group_rows = 1;
  Kernel single = nullptr;
};

template <template <int, int> class Dot, int kOneToken>
KernelPlan plan_for(int n_tokens) {
  switch (n_tokens) {
    case 1: return {Dot<kOneToken, 1>::run, kOneToken, Dot<1, 1>::run};
    case 2: return {Dot<2, 2>::run, 2, Dot<1, 2>::run};
    case 3: return {Dot<1, 3>::run, 1, Dot<1, 3>::run};
    default: return {Dot<1, 4>::run, 1, Dot<1, 4>::run};
  }
}

}  // namespace

bool quant_dot_avx512(model::DType dtype, const std::byte* rows, size_t row_bytes, int n_rows,
                      int n, const float* x, size_t x_stride, int n_tokens, float* out,
                      size_t out_stride) {
  using model::DType;
  if (n_tokens < 1 || n_tokens > kMaxQuantDotTokens) return false;
  KernelPlan plan;
  switch (dtype) {
    // One token, a 150k-row head streamed from memory, one thread (quant_matmul_bench, medians
    // of 3): 4 rows at once took Q4_K from 21-22 to 15.7 ms, but Q8_0 from 13.3 to 16-18 ms and
    // left Q6_K unchanged, so those two read one row at a time.
    case DType::kQ4_K: plan = plan_for<DotQ4K, 4>(n_tokens); break;
    case DType::kQ5_0: plan = plan_for<DotQ50, 4>(n_tokens); break;
    // Q4_1 (SmolLM2's file), 4 rows: 896 x 4864 597 -> 343 us, the 151936 x 896 head 23 -> 12.4
    // ms against the portable path (a one-row kernel had gained under 10%).
    case DType::kQ4_1: plan = plan_for<DotQ41, 4>(n_tokens); break;
    case DType::kQ6_K: plan = plan_for<DotQ6K, 1>(n_tokens); break;
    case DType::kQ8_0: plan = plan_for<DotQ80, 1>(n_tokens); break;
    default: return false;
  }
  int r = 0;
  for (; r + plan.group_rows <= n_rows; r += plan.group_rows) {
    plan.group(rows + r * row_bytes, row_bytes, n, x, x_stride, out + r, out_stride);
  }
  for (; r < n_rows; ++r) plan.single(rows + r * row_bytes, row_bytes, n, x, x_stride, out + r, out_stride);
  return true;
}

#else

bool quant_dot_avx512(model::DType, const std::byte*, size_t, int, int, const float*, size_t, int,
                      float*, size_t) {
  return false;
}

#endif

}  // namespace boxed::inference::cpu
