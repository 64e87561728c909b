#include "inference/model/quant/dequantize.h"

#include <stdexcept>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <fmt/format.h>

#include "inference/model/quant/blocks_32.h"
#include "inference/model/quant/blocks_k.h"

namespace boxed::inference::model::quant {

namespace {

using DecodeFn = void (*)(const std::byte*, float*);

DecodeFn decoder_of(DType dtype) {
  switch (dtype) {
    case DType::kQ4_0: return decode_q4_0;
    case DType::kQ4_1: return decode_q4_1;
    case DType::kQ5_0: return decode_q5_0;
    case DType::kQ5_1: return decode_q5_1;
    case DType::kQ8_0: return decode_q8_0;
    case DType::kQ2_K: return decode_q2_k;
    case DType::kQ3_K: return decode_q3_k;
    case DType::kQ4_K: return decode_q4_k;
    case DType::kQ5_K: return decode_q5_k;
    case DType::kQ6_K: return decode_q6_k;
    default:
      throw std::logic_error(
          fmt::format("quant::dequantize: {} is not a block type", dtype_name(dtype)));
  }
}

#if defined(__AVX512F__)
// The decoders of the types real Q4_K_M / Q4_1 files are made of, 16 elements per zmm: the same
// integer unpacking, then the same float operations in the same order (a product, then a sum or
// difference, never fused: this file is built with -ffp-contract=off and the intrinsics are
// separate), so every value keeps the scalar decoder's bits (dequant_test checks them against the
// gguf package). The matmul's tile path decodes every weight once per call, so at 64 samples a
// step spends about a tenth of its time here; the scalar loops did about one element per cycle.
constexpr __mmask16 kAll = 0xffff;  // maskz forms: GCC 12 warns on the plain ones

inline __m512i u8_lanes(const uint8_t* p) {  // 16 bytes -> 16 int32
  return _mm512_maskz_cvtepu8_epi32(kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

void decode_q4_1_avx512(const std::byte* block, float* y) {
  const __m512 d = _mm512_set1_ps(load_half(block)), m = _mm512_set1_ps(load_half(block + 2));
  const __m512i q = u8_lanes(block_bytes(block) + 4), nibble = _mm512_set1_epi32(0x0f);
  const __m512 lo = _mm512_maskz_cvtepi32_ps(kAll, _mm512_and_si512(q, nibble));
  const __m512 hi = _mm512_maskz_cvtepi32_ps(kAll, _mm512_maskz_srli_epi32(kAll, q, 4));
  _mm512_storeu_ps(y, _mm512_add_ps(_mm512_mul_ps(d, lo), m));
  _mm512_storeu_ps(y + 16, _mm512_add_ps(_mm512_mul_ps(d, hi), m));
}

void decode_q5_0_avx512(const std::byte* block, float* y) {
  const __m512 d = _mm512_set1_ps(load_half(block));
  const uint32_t qh = load_u32_le(block_bytes(block) + 2);
  const __m512i q = u8_lanes(block_bytes(block) + 6), nibble = _mm512_set1_epi32(0x0f);
  const __m512i bit4 = _mm512_set1_epi32(0x10), sixteen = _mm512_set1_epi32(16);
  __m512i lo = _mm512_and_si512(q, nibble), hi = _mm512_maskz_srli_epi32(kAll, q, 4);
  lo = _mm512_mask_or_epi32(lo, static_cast<__mmask16>(qh), lo, bit4);
  hi = _mm512_mask_or_epi32(hi, static_cast<__mmask16>(qh >> 16), hi, bit4);
  _mm512_storeu_ps(y, _mm512_mul_ps(d, _mm512_maskz_cvtepi32_ps(kAll, _mm512_sub_epi32(lo, sixteen))));
  _mm512_storeu_ps(y + 16, _mm512_mul_ps(d, _mm512_maskz_cvtepi32_ps(kAll, _mm512_sub_epi32(hi, sixteen))));
}

void decode_q8_0_avx512(const std::byte* block, float* y) {
  const __m512 d = _mm512_set1_ps(load_half(block));
  for (int h = 0; h < 2; ++h) {
    const __m512i q = _mm512_maskz_cvtepi8_epi32(
        kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2 + 16 * h)));
    _mm512_storeu_ps(y + 16 * h, _mm512_mul_ps(d, _mm512_maskz_cvtepi32_ps(kAll, q)));
  }
}

void decode_q4_k_avx512(const std::byte* block, float* y) {
  const float d = load_half(block);
  const float dmin = load_half(block + 2);
  const uint8_t* qs = block_bytes(block) + 16;
  int sc[8], mn[8];
  unpack_scale_min_k4(block_bytes(block) + 4, sc, mn);
  const __m512i nibble = _mm512_set1_epi32(0x0f);
  for (int c = 0; c < 4; ++c) {
    const __m512 d0 = _mm512_set1_ps(d * static_cast<float>(sc[2 * c]));
    const __m512 m0 = _mm512_set1_ps(dmin * static_cast<float>(mn[2 * c]));
    const __m512 d1 = _mm512_set1_ps(d * static_cast<float>(sc[2 * c + 1]));
    const __m512 m1 = _mm512_set1_ps(dmin * static_cast<float>(mn[2 * c + 1]));
    for (int h = 0; h < 2; ++h) {
      const __m512i q = u8_lanes(qs + 32 * c + 16 * h);
      const __m512 lo = _mm512_maskz_cvtepi32_ps(kAll, _mm512_and_si512(q, nibble));
      const __m512 hi = _mm512_maskz_cvtepi32_ps(kAll, _mm512_maskz_srli_epi32(kAll, q, 4));
      _mm512_storeu_ps(y + 64 * c + 16 * h, _mm512_sub_ps(_mm512_mul_ps(d0, lo), m0));
      _mm512_storeu_ps(y + 64 * c + 32 + 16 * h, _mm512_sub_ps(_mm512_mul_ps(d1, hi), m1));
    }
  }
}

void decode_q6_k_avx512(const std::byte* block, float* y) {
  const uint8_t* ql = block_bytes(block);
  const uint8_t* qh = ql + 128;
  const int8_t* scales = reinterpret_cast<const int8_t*>(block + 192);
  const float d = load_half(block + 208);
  const __m512i nibble = _mm512_set1_epi32(0x0f), two_bits = _mm512_set1_epi32(3);
  const __m512i offset = _mm512_set1_epi32(32);
  for (int h = 0; h < 2; ++h) {
    for (int p = 0; p < 4; ++p) {
      const int s = 8 * h + 2 * p;
      for (int g = 0; g < 2; ++g) {  // elements 128h + 32p + 16g.., scale s + g
        const __m512i lo_bytes = u8_lanes(ql + 64 * h + 32 * (p % 2) + 16 * g);
        const __m512i hi_bytes = u8_lanes(qh + 32 * h + 16 * g);
        const __m512i lo = _mm512_and_si512(
            p < 2 ? lo_bytes : _mm512_maskz_srli_epi32(kAll, lo_bytes, 4), nibble);
        const __m512i hi = _mm512_and_si512(_mm512_maskz_srli_epi32(kAll, hi_bytes, 2 * p), two_bits);
        const __m512i q = _mm512_sub_epi32(_mm512_or_si512(lo, _mm512_maskz_slli_epi32(kAll, hi, 4)), offset);
        const __m512 dg = _mm512_set1_ps(d * static_cast<float>(scales[s + g]));
        _mm512_storeu_ps(y + 128 * h + 32 * p + 16 * g, _mm512_mul_ps(dg, _mm512_maskz_cvtepi32_ps(kAll, q)));
      }
    }
  }
}
#endif

// The decoder is a template argument so that it is inlined into the block loop.
template <DecodeFn Decode>
void decode_blocks(const std::byte* src, int64_t n_blocks, size_t block_bytes, int64_t block_elems,
                   float* dst) {
  for (int64_t b = 0; b < n_blocks; ++b) {
    Decode(src + static_cast<size_t>(b) * block_bytes, dst + b * block_elems);
  }
}

}  // namespace

void decode_block(DType dtype, const std::byte* block, float* dst) { decoder_of(dtype)(block, dst); }

void dequantize_row(DType dtype, const std::byte* src, int64_t n, float* dst) {
  const int64_t block_elems = dtype_block_elems(dtype);
  if (n % block_elems != 0) {
    throw std::invalid_argument(fmt::format(
        "quant::dequantize_row: {} elements of {} are not whole blocks of {}", n,
        dtype_name(dtype), block_elems));
  }
  const int64_t n_blocks = n / block_elems;
  const size_t bytes = dtype_block_bytes(dtype);
#if defined(__AVX512F__)
  switch (dtype) {
    case DType::kQ4_1: return decode_blocks<decode_q4_1_avx512>(src, n_blocks, bytes, block_elems, dst);
    case DType::kQ5_0: return decode_blocks<decode_q5_0_avx512>(src, n_blocks, bytes, block_elems, dst);
    case DType::kQ8_0: return decode_blocks<decode_q8_0_avx512>(src, n_blocks, bytes, block_elems, dst);
    case DType::kQ4_K: return decode_blocks<decode_q4_k_avx512>(src, n_blocks, bytes, block_elems, dst);
    case DType::kQ6_K: return decode_blocks<decode_q6_k_avx512>(src, n_blocks, bytes, block_elems, dst);
    default: break;
  }
#endif
  switch (dtype) {
    case DType::kQ4_0: return decode_blocks<decode_q4_0>(src, n_blocks, bytes, block_elems, dst);
    case DType::kQ4_1: return decode_blocks<decode_q4_1>(src, n_blocks, bytes, block_elems, dst);
    case DType::kQ5_0: return decode_blocks<decode_q5_0>(src, n_blocks, bytes, block_elems, dst);
    case DType::kQ5_1: return decode_blocks<decode_q5_1>(src, n_blocks, bytes, block_elems, dst);
    case DType::kQ8_0: return decode_blocks<decode_q8_0>(src, n_blocks, bytes, block_elems, dst);
    case DType::kQ2_K: return decode_blocks<decode_q2_k>(src, n_blocks, bytes, block_elems, dst);
    case DType::kQ3_K: return decode_blocks<decode_q3_k>(src, n_blocks, bytes, block_elems, dst);
    case DType::kQ4_K: return decode_blocks<decode_q4_k>(src, n_blocks, bytes, block_elems, dst);
    case DType::kQ5_K: return decode_blocks<decode_q5_k>(src, n_blocks, bytes, block_elems, dst);
    case DType::kQ6_K: return decode_blocks<decode_q6_k>(src, n_blocks, bytes, block_elems, dst);
    default: decoder_of(dtype);  // throws: not a block type
  }
}

}  // namespace boxed::inference::model::quant
