// Dequantisation of GGML block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K,
// Q6_K) to fp32: the reference every quantized path of boxed is checked against, and the tile
// path of the CPU matmul, the embedding lookup and `boxed inspect --tensor` use it directly.
//
//   std::vector<float> row(4096);
//   quant::dequantize_row(DType::kQ4_K, w.row(r), 4096, row.data());   // 16 blocks of 144 bytes
//
// `src` may have any alignment; n must be a multiple of dtype_block_elems(dtype). The values
// equal the gguf Python package's gguf.quants.dequantize bit for bit (tests/inference/model/
// dequant_test.cc against goldens from tools/gguf/make_dequant_golden.py).
#pragma once

#include <cstddef>
#include <cstdint>

#include "inference/model/dtype.h"

namespace boxed::inference::model::quant {

// One block of `dtype` at `block` -> dtype_block_elems(dtype) values at `dst`. Throws
// std::logic_error for a float type.
void decode_block(DType dtype, const std::byte* block, float* dst);

// n / block_elems consecutive blocks -> n values. Throws std::invalid_argument when n is not a
// whole number of blocks, std::logic_error for a float type.
void dequantize_row(DType dtype, const std::byte* src, int64_t n, float* dst);

}  // namespace boxed::inference::model::quant
