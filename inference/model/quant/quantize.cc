// quantize_row and the 32-element block encoders (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0). Layouts: the
// decoders in blocks_32.h (ggml-common.h block_q4_0 ... block_q8_0).
#include "inference/model/quant/quantize.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "inference/model/quant/fit.h"

namespace boxed::inference::model::quant {
namespace {

uint8_t* bytes_of(std::byte* p) { return reinterpret_cast<uint8_t*>(p); }

void store_u32_le(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// Packs 32 unsigned levels of `bits` (4 or 5) bits: the low nibbles of elements j and j + 16
// share qs[j] (low, high); bit 4 of element j is bit j of qh.
void pack_32(const int* u, uint8_t* qs, uint8_t* qh) {
  uint32_t high = 0;
  for (int j = 0; j < 16; ++j) {
    qs[j] = static_cast<uint8_t>((u[j] & 0x0f) | ((u[j + 16] & 0x0f) << 4));
  }
  if (qh != nullptr) {
    for (int j = 0; j < 32; ++j) high |= static_cast<uint32_t>((u[j] >> 4) & 1) << j;
    store_u32_le(qh, high);
  }
}

// {d; qs} / {d; qh; qs} with levels q - bias (Q4_0: bias 8, Q5_0: bias 16).
void encode_symmetric_32(const float* x, std::byte* block, int bias, bool five_bits) {
  check_scale_fits_half(x, 32, static_cast<float>(bias));
  int q[32];
  const SymmetricFit f =
      fit_symmetric(x, 32, {.qmin = -bias, .qmax = bias - 1, .half_scale = true}, q);
  store_half(block, f.scale);
  int u[32];
  for (int j = 0; j < 32; ++j) u[j] = q[j] + bias;
  uint8_t* b = bytes_of(block);
  if (five_bits) {
    pack_32(u, b + 6, b + 2);
  } else {
    pack_32(u, b + 2, nullptr);
  }
}

// {d; m; qs} / {d; m; qh; qs}: x = d * q + m.
void encode_affine_32(const float* x, std::byte* block, int qmax, bool five_bits) {
  check_scale_fits_half(x, 32, 1.0f);  // the offset (the minimum) is an fp16 field too
  int q[32];
  const AffineFit f =
      fit_affine(x, 32, {.qmax = qmax, .offset_nonpositive = false, .half_fields = true}, q);
  store_half(block, f.scale);
  store_half(block + 2, f.offset);
  uint8_t* b = bytes_of(block);
  if (five_bits) {
    pack_32(q, b + 8, b + 4);
  } else {
    pack_32(q, b + 4, nullptr);
  }
}

void check_finite(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) {
      throw std::domain_error(fmt::format("quantize: element {} is {}, not a finite number", i, x[i]));
    }
  }
}

using EncodeFn = void (*)(const float*, std::byte*);

EncodeFn encoder_of(DType dtype) {
  switch (dtype) {
    case DType::kQ4_0: return encode_q4_0;
    case DType::kQ4_1: return encode_q4_1;
    case DType::kQ5_0: return encode_q5_0;
    case DType::kQ5_1: return encode_q5_1;
    case DType::kQ8_0: return encode_q8_0;
    case DType::kQ4_K: return encode_q4_k;
    case DType::kQ5_K: return encode_q5_k;
    case DType::kQ6_K: return encode_q6_k;
    default: return nullptr;
  }
}

}  // namespace

void store_half(std::byte* p, float value) {
  if (!std::isfinite(value)) {
    throw std::domain_error(fmt::format(
        "quantize: a block scale of {} does not fit an fp16 field (values too large)", value));
  }
  const uint16_t h = f32_to_f16(value);
  p[0] = static_cast<std::byte>(h & 0xff);
  p[1] = static_cast<std::byte>(h >> 8);
}

void encode_q4_0(const float* x, std::byte* block) { encode_symmetric_32(x, block, 8, false); }
void encode_q5_0(const float* x, std::byte* block) { encode_symmetric_32(x, block, 16, true); }
void encode_q4_1(const float* x, std::byte* block) { encode_affine_32(x, block, 15, false); }
void encode_q5_1(const float* x, std::byte* block) { encode_affine_32(x, block, 31, true); }

void encode_q8_0(const float* x, std::byte* block) {
  check_scale_fits_half(x, 32, 127.0f);
  int q[32];
  // grid 0: the extreme value onto +-127 and one least-squares refit (8-bit levels leave
  // little for a wider search to find).
  const SymmetricFit f =
      fit_symmetric(x, 32, {.qmin = -127, .qmax = 127, .grid = 0, .half_scale = true}, q);
  store_half(block, f.scale);
  for (int j = 0; j < 32; ++j) {
    const int8_t v = static_cast<int8_t>(q[j]);
    std::memcpy(block + 2 + j, &v, 1);
  }
}

bool can_quantize_to(DType dtype) {
  return dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16 ||
         encoder_of(dtype) != nullptr;
}

void quantize_row(DType dtype, const float* src, int64_t n, std::byte* dst) {
  if (!can_quantize_to(dtype)) {
    throw std::invalid_argument(fmt::format("quantize: cannot encode {}", dtype_name(dtype)));
  }
  const int64_t block_elems = dtype_block_elems(dtype);
  if (n % block_elems != 0) {
    throw std::invalid_argument(fmt::format("quantize: {} elements are not whole {} blocks of {}",
                                            n, dtype_name(dtype), block_elems));
  }
  switch (dtype) {
    case DType::kF32:
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case DType::kF16:
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = dtype == DType::kF16 ? f32_to_f16(src[i]) : f32_to_bf16(src[i]);
        std::memcpy(dst + 2 * i, &h, 2);
      }
      return;
    default: break;
  }
  check_finite(src, n);
  const EncodeFn encode = encoder_of(dtype);
  const size_t block_bytes = dtype_block_bytes(dtype);
  for (int64_t b = 0; b < n / block_elems; ++b) {
    encode(src + b * block_elems, dst + static_cast<size_t>(b) * block_bytes);
  }
}

}  // namespace boxed::inference::model::quant
