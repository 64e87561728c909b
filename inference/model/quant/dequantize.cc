#include "inference/model/quant/dequantize.h"

#include <stdexcept>

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
