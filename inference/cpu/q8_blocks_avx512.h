// AVX-512 pieces shared by the int8 kernels (quant_dot_q8.cc, one row at a time; quant_gemm_q8.cc,
// tiles of 16 rows): the unsigned weight codes of GGML blocks in element order, 64 to a zmm, and
// their fp16 fields and packed scales as floats. Included only where BOXED_Q8_KERNELS is defined
// (AVX-512 F/BW/VNNI); block layouts as in inference/model/quant/.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "inference/model/quant/blocks_k.h"

namespace boxed::inference::cpu {
namespace quant = model::quant;

// All-lanes masks for the maskz forms of intrinsics whose plain forms make GCC 12 warn
// (-Wmaybe-uninitialized on their _mm512_undefined source operand); the instructions are the same.
inline constexpr __mmask16 kAll = 0xffff;

// The first two fp16 fields of blocks b0 and b1 (d, and m where the type has one) as floats:
// [d(b0), m(b0), d(b1), m(b1)], converted together.
inline __m128 block_halves(const std::byte* b0, const std::byte* b1) {
  const auto u32 = [](const std::byte* p) { return static_cast<int>(quant::load_u32_le(quant::block_bytes(p))); };
  return _mm_cvtph_ps(_mm_insert_epi32(_mm_cvtsi32_si128(u32(b0)), u32(b1), 1));
}

// The 32 nibble codes of two 16-byte runs (block b0's and b1's) in element order: the low nibbles
// of a run are its elements 0..15, the high ones 16..31 (Q4_0/Q4_1/Q5_0 layout).
inline __m512i nibbles_two_blocks(const uint8_t* qs0, const uint8_t* qs1) {
  const __m256i bytes = _mm256_inserti128_si256(
      _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs0))),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs1)), 1);
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i lo = _mm256_and_si256(bytes, low4);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low4);
  const __m512i lo_hi = _mm512_maskz_inserti64x4(0xff, _mm512_castsi256_si512(lo), hi, 1);  // lo0 lo1 hi0 hi1
  return _mm512_maskz_shuffle_i64x2(0xff, lo_hi, lo_hi, _MM_SHUFFLE(3, 1, 2, 0));         // lo0 hi0 lo1 hi1
}

// The 64 nibble codes of one 32-byte run: low nibbles are elements 0..31, high ones 32..63 (Q4_K).
inline __m512i nibbles_one_run(const uint8_t* qs) {
  const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs));
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  return _mm512_maskz_inserti64x4(0xff, _mm512_castsi256_si512(_mm256_and_si256(bytes, low4)),
                            _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low4), 1);
}

// Q4_K's 8 sub-block scales and 8 minimums, as floats in one zmm: lanes 0..7 d * sc[s], lanes
// 8..15 dmin * mn[s] (the decoder's products, quant::decode_q4_k). The 6-bit fields are unpacked
// four at a time in 32-bit words, following quant::unpack_scale_min_k4: sc[0..3] and mn[0..3] are
// the low 6 bits of bytes 0..3 and 4..7; sc[4..7] / mn[4..7] take the low / high nibbles of bytes
// 8..11 and, as bits 4..5, the top 2 bits of bytes 0..3 / 4..7.
inline __m512 q4_k_scales_and_mins(const std::byte* block) {
  const uint8_t* scales = quant::block_bytes(block) + 4;
  const uint32_t u0 = quant::load_u32_le(scales), u1 = quant::load_u32_le(scales + 4);
  const uint32_t u2 = quant::load_u32_le(scales + 8);
  const uint32_t sc_lo = u0 & 0x3f3f3f3fu, mn_lo = u1 & 0x3f3f3f3fu;
  const uint32_t sc_hi = (u2 & 0x0f0f0f0fu) | (((u0 >> 6) & 0x03030303u) << 4);
  const uint32_t mn_hi = ((u2 >> 4) & 0x0f0f0f0fu) | (((u1 >> 6) & 0x03030303u) << 4);
  const __m128i fields = _mm_set_epi32(static_cast<int>(mn_hi), static_cast<int>(mn_lo),
                                       static_cast<int>(sc_hi), static_cast<int>(sc_lo));
  const __m512 d = _mm512_mask_blend_ps(0xff00, _mm512_set1_ps(quant::load_half(block)),
                                        _mm512_set1_ps(quant::load_half(block + 2)));
  return _mm512_mul_ps(d, _mm512_maskz_cvtepi32_ps(kAll, _mm512_maskz_cvtepu8_epi32(kAll, fields)));
}

// Q6_K's 64 codes (0..63) of elements 128h + 64k .. 128h + 64k + 63 of a super-block (h, k in
// {0, 1}), in element order. Within half h, ql[64h..64h+63]'s low nibbles are elements 0..63 and
// its high nibbles 64..127; qh[32h + l] holds bits 4..5 of elements l, 32 + l, 64 + l, 96 + l in
// its bit pairs 0, 1, 2, 3.
inline __m512i q6_k_codes64(const uint8_t* ql, int h, int k) {
  const __m512i low4 = _mm512_set1_epi8(0x0f), bits45 = _mm512_set1_epi8(0x30);
  // Per 16-bit word: the shifts that bring bit pair p of qh to bits 4..5, for the two 32-byte
  // halves of a zmm (pairs 0 and 1 for elements 0..63, pairs 2 and 3 for 64..127).
  constexpr long long kEachWord = 0x0001000100010001;
  const __m512i shift_up = _mm512_setr_epi64(4 * kEachWord, 4 * kEachWord, 4 * kEachWord,
                                             4 * kEachWord, 2 * kEachWord, 2 * kEachWord,
                                             2 * kEachWord, 2 * kEachWord);
  const __m512i shift_down = _mm512_setr_epi64(0, 0, 0, 0, 2 * kEachWord, 2 * kEachWord,
                                               2 * kEachWord, 2 * kEachWord);
  const __m512i low = _mm512_loadu_si512(ql + 64 * h);
  const __m512i high = _mm512_maskz_broadcast_i64x4(
      0xff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql + 128 + 32 * h)));
  if (k == 0) {
    return _mm512_or_si512(_mm512_and_si512(low, low4),
                           _mm512_and_si512(_mm512_sllv_epi16(high, shift_up), bits45));
  }
  return _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(low, 4), low4),
                         _mm512_and_si512(_mm512_srlv_epi16(high, shift_down), bits45));
}

// Q6_K's 16 sub-block scales times d, as floats.
inline __m512 q6_k_scales(const std::byte* block) {
  const uint8_t* ql = quant::block_bytes(block);
  return _mm512_mul_ps(
      _mm512_set1_ps(quant::load_half(block + 208)),
      _mm512_maskz_cvtepi32_ps(kAll, _mm512_maskz_cvtepi8_epi32(
                                         kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(ql + 192)))));
}

}  // namespace boxed::inference::cpu
