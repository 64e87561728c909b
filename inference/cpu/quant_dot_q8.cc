#include "inference/cpu/quant_dot_q8.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#define BOXED_Q8_KERNELS 1
#include <immintrin.h>

#include "inference/cpu/q8_blocks_avx512.h"
#endif

#include "inference/cpu/dot.h"
#include "inference/model/quant/blocks_k.h"

namespace boxed::inference::cpu {

namespace {

// One block of 32: codes into q, returns d; Σq of each half in sum16. d = max|x| / 127 as
// llama.cpp's quantize_row_q8_0 (ggml-quants.c), q rounded to nearest (ties to even; the
// product x * (127 / max|x|) never exceeds 127 by more than an ulp). A NaN in the block makes d
// NaN, so that it reaches the results as it would on the exact path; its own code is 0 (not an
// undefined float-to-int conversion), and it does not count towards max|x|.
#if defined(BOXED_Q8_KERNELS)
float quantize_block(const float* x, int8_t* q, int sum16[2]) {
  const __m512 lo = _mm512_set1_ps(-127.0f), hi = _mm512_set1_ps(127.0f);
  const __m512 v[2] = {_mm512_loadu_ps(x), _mm512_loadu_ps(x + 16)};
  __mmask16 nan[2];
  __m512 amax = _mm512_setzero_ps();
  for (int h = 0; h < 2; ++h) {
    nan[h] = _mm512_cmp_ps_mask(v[h], v[h], _CMP_UNORD_Q);
    amax = _mm512_maskz_max_ps(kAll, amax, _mm512_maskz_mov_ps(static_cast<__mmask16>(~nan[h]), _mm512_abs_ps(v[h])));
  }
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, amax);
  const float block_max = *std::max_element(lanes, lanes + 16);
  const float inv = block_max > 0.0f ? 127.0f / block_max : 0.0f;
  for (int h = 0; h < 2; ++h) {
    const __m512 scaled = _mm512_mul_ps(v[h], _mm512_set1_ps(inv));
    // inf * 0 (a denormal max) is NaN too: code 0, as for a NaN x.
    const __mmask16 bad = static_cast<__mmask16>(nan[h] | _mm512_cmp_ps_mask(scaled, scaled, _CMP_UNORD_Q));
    const __m512i codes = _mm512_maskz_cvt_roundps_epi32(
        static_cast<__mmask16>(~bad), _mm512_maskz_min_ps(kAll, _mm512_maskz_max_ps(kAll, scaled, lo), hi),
        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + 16 * h), _mm512_maskz_cvtsepi32_epi8(kAll, codes));
    alignas(64) int32_t c[16];
    _mm512_store_si512(c, codes);
    sum16[h] = std::accumulate(c, c + 16, 0);
  }
  return (nan[0] | nan[1]) != 0 ? std::numeric_limits<float>::quiet_NaN() : block_max / 127.0f;
}
#else
float quantize_block(const float* x, int8_t* q, int sum16[2]) {
  float amax = 0.0f;
  bool nan = false;
  for (int i = 0; i < kQ8BlockElems; ++i) {
    amax = std::max(amax, std::fabs(x[i]));  // std::max keeps amax against a NaN
    nan = nan || std::isnan(x[i]);
  }
  const float inv = amax > 0.0f ? 127.0f / amax : 0.0f;
  sum16[0] = sum16[1] = 0;
  for (int i = 0; i < kQ8BlockElems; ++i) {
    const float v = std::clamp(std::nearbyint(x[i] * inv), -127.0f, 127.0f);
    q[i] = static_cast<int8_t>(std::isnan(v) ? 0.0f : v);
    sum16[i / 16] += q[i];
  }
  return nan ? std::numeric_limits<float>::quiet_NaN() : amax / 127.0f;
}
#endif

}  // namespace

void quantize_activations(const float* x, int n, Q8Activations& out) {
  if (n <= 0 || n % 64 != 0) {
    throw std::invalid_argument(fmt::format("quantize_activations: n = {}, not a positive multiple of 64", n));
  }
  const int n_blocks = n / kQ8BlockElems;
  out.n = n;
  out.q.resize(n);
  out.d.resize(n_blocks);
  out.sum.resize(n_blocks);
  out.lane_d.resize(n / 4);
  out.lane_sum16.assign(n / 4, 0);
  for (int b = 0; b < n_blocks; ++b) {
    int sum16[2];
    const float d = quantize_block(x + b * kQ8BlockElems, out.q.data() + b * kQ8BlockElems, sum16);
    out.d[b] = d;
    out.sum[b] = d * static_cast<float>(sum16[0] + sum16[1]);
    for (int lane = 0; lane < kQ8BlockElems / 4; ++lane) out.lane_d[b * 8 + lane] = d;
    out.lane_sum16[b * 8] = sum16[0];
    out.lane_sum16[b * 8 + 4] = sum16[1];
  }
}

#if defined(BOXED_Q8_KERNELS)

namespace {

#define BOXED_UNROLL_ALL _Pragma("GCC unroll 16")

// One row at a time, the blocks in file order: the weights stream from memory in one sequential
// run, which the hardware prefetchers follow. Reading 4 rows at once (as the fp32 kernels of
// quant_dot_avx512.cc do, to overlap 4 FMA chains) interleaves 4 streams, and with the int8
// kernels' lighter arithmetic that access pattern became the limit: on the 151936-row head
// (streamed from memory; quant_matmul_bench BM_MatmulQ8, 1 thread) 4 rows at once took Q8_0
// 19.7 ms, Q6_K 21.5, Q5_0 11.3, Q4_K 10.9 against 9.5, 10.2, 9.3 and 9.7 ms one row at a time,
// and Qwen2.5-0.5B decoded at 32 instead of 42 tokens/s. The prefetch below reaches one row on.
inline void prefetch_next_row(const std::byte* p, size_t row_bytes) {
  _mm_prefetch(reinterpret_cast<const char*>(p + row_bytes), _MM_HINT_T0);
}

// The activations of elements 64j..64j+63: their int8 codes, the d of each int32 lane's block,
// and -(zero point) * Σq of each 16 elements in lanes 0, 4, 8, 12 (the initial accumulator, so
// that vpdpbusd over unsigned weight codes yields Σ (code - zero point) * q).
struct Activations64 {
  __m512i q;
  __m512 d;
  const int32_t* sum16;
  Activations64(const Q8Activations& x, int j)
      : q(_mm512_loadu_si512(x.q.data() + 64 * j)),
        d(_mm512_loadu_ps(x.lane_d.data() + 16 * j)),
        sum16(x.lane_sum16.data() + 16 * j) {}
  template <int kZeroPointLog2>
  __m512i zero_point_start() const {
    const __m512i s = _mm512_loadu_si512(sum16);
    return _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_maskz_slli_epi32(kAll, s, kZeroPointLog2));
  }
};

// The per-lane scale d_w * d_x of a 64-element step of a 32-element type: d_w of block 2j
// (element 0 of `halves`) in lanes 0..7, of block 2j+1 (element 2) in lanes 8..15.
inline __m512 two_block_scale(const __m512& dx, const __m128& halves) {
  const __m512i pick = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2);
  return _mm512_mul_ps(dx, _mm512_maskz_permutexvar_ps(kAll, pick, _mm512_castps128_ps512(halves)));
}

// dot()'s pairwise tree over the 16 lanes (not _mm512_reduce_add_ps: GCC 12 warns in its header).
inline float reduce(__m512 v) {
  alignas(64) float lanes[kLanes];
  _mm512_store_ps(lanes, v);
  return reduce_lanes(lanes);
}

// Q5_0: codes 0..31 (zero point 16), bit 4 of element i from bit i of the block's qh.
float dot_q5_0(const std::byte* row, size_t row_bytes, const Q8Activations& x) {
  __m512 acc = _mm512_setzero_ps();
  const __m512i bit4 = _mm512_set1_epi8(0x10);
  for (int j = 0; j < x.n / 64; ++j) {  // blocks 2j and 2j+1, 44 bytes: every line prefetched
    const Activations64 a(x, j);
    const std::byte* b0 = row + static_cast<size_t>(j) * 44;
    const std::byte* b1 = b0 + 22;
    prefetch_next_row(b0, row_bytes);
    const uint8_t* p0 = quant::block_bytes(b0);
    const uint8_t* p1 = quant::block_bytes(b1);
    const __mmask64 high = static_cast<__mmask64>(quant::load_u32_le(p0 + 2)) |
                           (static_cast<__mmask64>(quant::load_u32_le(p1 + 2)) << 32);
    __m512i w = nibbles_two_blocks(p0 + 6, p1 + 6);
    w = _mm512_mask_add_epi8(w, high, w, bit4);
    const __m512i dots = _mm512_dpbusd_epi32(a.zero_point_start<4>(), w, a.q);
    acc = _mm512_fmadd_ps(_mm512_maskz_cvtepi32_ps(kAll, dots), two_block_scale(a.d, block_halves(b0, b1)), acc);
  }
  return reduce(acc);
}

// Q4_1: codes 0..15, x = d * q + m: Σ = d_w * Σ q·x̂ + m * Σ x̂ (the block's `sum`), the m
// terms gathered in lanes 1 and 3 of `offsets`.
float dot_q4_1(const std::byte* row, size_t row_bytes, const Q8Activations& x) {
  __m512 acc = _mm512_setzero_ps();
  __m128 offsets = _mm_setzero_ps();
  for (int j = 0; j < x.n / 64; ++j) {  // 40 bytes a step
    const Activations64 a(x, j);
    const std::byte* b0 = row + static_cast<size_t>(j) * 40;
    const std::byte* b1 = b0 + 20;
    prefetch_next_row(b0, row_bytes);
    const __m512i w = nibbles_two_blocks(quant::block_bytes(b0) + 4, quant::block_bytes(b1) + 4);
    const __m512i dots = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, a.q);
    const __m128 dm = block_halves(b0, b1);
    acc = _mm512_fmadd_ps(_mm512_maskz_cvtepi32_ps(kAll, dots), two_block_scale(a.d, dm), acc);
    const __m128 sums = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(x.sum.data() + 2 * j)));
    offsets = _mm_fmadd_ps(dm, _mm_unpacklo_ps(sums, sums), offsets);  // [., m0 s0, ., m1 s1]
  }
  alignas(16) float o[4];
  _mm_store_ps(o, offsets);
  return reduce(acc) + (o[1] + o[3]);
}

// Q8_0: int8 codes, entered as q + 128 (zero point 128).
float dot_q8_0(const std::byte* row, size_t row_bytes, const Q8Activations& x) {
  __m512 acc = _mm512_setzero_ps();
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int j = 0; j < x.n / 64; ++j) {  // 68 bytes a step
    const Activations64 a(x, j);
    const std::byte* b0 = row + static_cast<size_t>(j) * 68;
    const std::byte* b1 = b0 + 34;
    prefetch_next_row(b0, row_bytes);
    prefetch_next_row(b0 + 64, row_bytes);
    const __m512i w = _mm512_maskz_inserti64x4(
        0xff, _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2))),
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b1 + 2)), 1);
    const __m512i dots = _mm512_dpbusd_epi32(a.zero_point_start<7>(), _mm512_xor_si512(w, flip), a.q);
    acc = _mm512_fmadd_ps(_mm512_maskz_cvtepi32_ps(kAll, dots), two_block_scale(a.d, block_halves(b0, b1)), acc);
  }
  return reduce(acc);
}

// Q4_K: per super-block of 256, 8 sub-blocks of 32 with x = (d * sc) * q - (dmin * mn): the
// scaled part in lanes (sub-block scale times the activation block's d, lane by lane), the
// minimums as Σ (dmin * mn_s) * Σ x̂ over sub-block s in lanes 8..15 of a second accumulator.
float dot_q4_k(const std::byte* row, size_t row_bytes, const Q8Activations& x) {
  __m512 acc = _mm512_setzero_ps(), mins = _mm512_setzero_ps();
  // Lanes 0..7 take sub-block 2c's scale, lanes 8..15 sub-block 2c+1's.
  const __m512i pair_index[4] = {
      _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
      _mm512_setr_epi32(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3),
      _mm512_setr_epi32(4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5),
      _mm512_setr_epi32(6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7)};
  for (int b = 0; b < x.n / 256; ++b) {
    const std::byte* block = row + static_cast<size_t>(b) * 144;
    for (int line = 0; line < 144; line += 64) prefetch_next_row(block + line, row_bytes);
    // Σ x̂ of the 8 activation blocks in lanes 8..15, against the minimums.
    const __m512 block_sums =
        _mm512_maskz_insertf32x8(0xff00, _mm512_setzero_ps(), _mm256_loadu_ps(x.sum.data() + 8 * b), 1);
    const __m512 scales = q4_k_scales_and_mins(block);
    mins = _mm512_fmadd_ps(scales, block_sums, mins);
    const uint8_t* qs = quant::block_bytes(block) + 16;
    BOXED_UNROLL_ALL
    for (int c = 0; c < 4; ++c) {
      const Activations64 a(x, 4 * b + c);
      const __m512i dots = _mm512_dpbusd_epi32(_mm512_setzero_si512(), nibbles_one_run(qs + 32 * c), a.q);
      const __m512 scale = _mm512_mul_ps(_mm512_maskz_permutexvar_ps(kAll, pair_index[c], scales), a.d);
      acc = _mm512_fmadd_ps(_mm512_maskz_cvtepi32_ps(kAll, dots), scale, acc);
    }
  }
  return reduce(acc) - reduce(mins);
}

// Q6_K: per super-block of 256, 16 sub-blocks of 16 with x = (d * sc) * (q - 32), q in 0..63
// from 4 bits of ql and 2 of qh (q6_k_codes64).
float dot_q6_k(const std::byte* row, size_t row_bytes, const Q8Activations& x) {
  __m512 acc = _mm512_setzero_ps();
  // Lanes 4k..4k+3 take sub-block scale k of the 64 elements.
  const __m512i quad_index[4] = {
      _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3),
      _mm512_setr_epi32(4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7),
      _mm512_setr_epi32(8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11),
      _mm512_setr_epi32(12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15)};
  for (int b = 0; b < x.n / 256; ++b) {
    const std::byte* block = row + static_cast<size_t>(b) * 210;
    for (int line = 0; line < 210; line += 64) prefetch_next_row(block + line, row_bytes);
    const __m512 scales = q6_k_scales(block);
    BOXED_UNROLL_ALL
    for (int h = 0; h < 2; ++h) {
      const __m512i codes[2] = {q6_k_codes64(quant::block_bytes(block), h, 0),
                                q6_k_codes64(quant::block_bytes(block), h, 1)};
      BOXED_UNROLL_ALL
      for (int k = 0; k < 2; ++k) {
        const Activations64 a(x, 4 * b + 2 * h + k);  // elements 128h + 64k.. of the super-block
        const __m512i dots = _mm512_dpbusd_epi32(a.zero_point_start<5>(), codes[k], a.q);
        const __m512 scale =
            _mm512_mul_ps(_mm512_maskz_permutexvar_ps(kAll, quad_index[2 * h + k], scales), a.d);
        acc = _mm512_fmadd_ps(_mm512_maskz_cvtepi32_ps(kAll, dots), scale, acc);
      }
    }
  }
  return reduce(acc);
}

using Kernel = float (*)(const std::byte* row, size_t row_bytes, const Q8Activations& x);

Kernel kernel_for(model::DType dtype) {
  using model::DType;
  switch (dtype) {
    case DType::kQ5_0: return dot_q5_0;
    case DType::kQ4_1: return dot_q4_1;
    case DType::kQ8_0: return dot_q8_0;
    case DType::kQ4_K: return dot_q4_k;
    case DType::kQ6_K: return dot_q6_k;
    default: return nullptr;
  }
}

}  // namespace

bool quant_dot_q8_supported(model::DType dtype, int n) {
  if (kernel_for(dtype) == nullptr || n <= 0 || n % 64 != 0) return false;
  const bool super_blocks = dtype == model::DType::kQ4_K || dtype == model::DType::kQ6_K;
  return !super_blocks || n % 256 == 0;
}

bool quant_dot_q8_rows(model::DType dtype, const std::byte* rows, size_t row_bytes, int n_rows,
                       const Q8Activations& x, float* out) {
  if (!quant_dot_q8_supported(dtype, x.n)) return false;
  const Kernel dot = kernel_for(dtype);
  for (int r = 0; r < n_rows; ++r) out[r] = dot(rows + r * row_bytes, row_bytes, x);
  return true;
}

#else

bool quant_dot_q8_supported(model::DType, int) { return false; }

bool quant_dot_q8_rows(model::DType, const std::byte*, size_t, int, const Q8Activations&, float*) {
  return false;
}

#endif

}  // namespace boxed::inference::cpu
