// The fp16 scale fields of GGML blocks (ggml-common.h `ggml_half`, IEEE 754 binary16, little
// endian), read from any byte address: blocks inside a GGUF mapping are packed back to back, so a
// block_q4_0 (18 bytes) puts its `d` at odd addresses half the time.
//
//   float d = quant::load_half(block);          // bytes 0..1 of the block
//
// Inline and branch-light because the block decoders call it once or twice per block on the
// decode path. Exact for every input (normals, subnormals, zeros, inf, NaN payloads): the result
// equals model::f16_to_f32 and numpy's float16 -> float32 conversion.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace boxed::inference::model::quant {

inline float half_bits_to_f32(uint16_t h) {
  // Move exponent and fraction into binary32 position and rebias (15 -> 127). Inf/NaN get the
  // all-ones exponent; zeros and subnormals are built as 2^-14 * (1 + f) and then 2^-14 is
  // subtracted, which is exact (the difference is a multiple of 2^-24 below 2^-14).
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = h & 0x7c00u;
  uint32_t bits = static_cast<uint32_t>(h & 0x7fffu) << 13;
  if (exponent == 0x7c00u) {
    bits |= 0x7f800000u;
  } else if (exponent == 0) {
    const float shifted = std::bit_cast<float>(bits + (113u << 23)) - std::bit_cast<float>(113u << 23);
    return std::bit_cast<float>(std::bit_cast<uint32_t>(shifted) | sign);
  } else {
    bits += 112u << 23;
  }
  return std::bit_cast<float>(bits | sign);
}

inline float load_half(const std::byte* p) {
  const uint16_t h = static_cast<uint16_t>(std::to_integer<uint16_t>(p[0]) |
                                           (std::to_integer<uint16_t>(p[1]) << 8));
#if defined(__F16C__)
  // The hardware conversion (x86 F16C, in every -march=native build on this project's hosts) is
  // exact too; the portable path above is checked against f16_to_f32 on all inputs either way.
  return _cvtsh_ss(h);
#else
  return half_bits_to_f32(h);
#endif
}

}  // namespace boxed::inference::model::quant
