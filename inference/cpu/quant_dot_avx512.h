// AVX-512 kernels behind quant_dot (quant_dot.h) for the block types where a table lookup beats
// decoding: in a Q4_K sub-block of 32 the 16 possible 4-bit quants map to 16 fp32 values
// (d * sc) * q - (dmin * mn), computed once per sub-block with the decoder's own rounding and
// looked up for 16 elements at a time with one vpermps; likewise the 32 levels d * (q - 16) of a
// Q5_0 block with one vpermt2ps. The FMA lanes are dot()'s (one zmm = 16
// lanes, elements in increasing order), so results keep the bits of dot() over the dequantised
// row — the same as the portable path, which tests check on every build that has this one.
//
//   if (!quant_dot_avx512(dtype, row, n, x, x_stride, n_tokens, out, out_stride)) { portable }
#pragma once

#include <cstddef>

#include "inference/model/dtype.h"

namespace boxed::inference::cpu {

// Computes quant_dot and returns true when this build has AVX-512F and a kernel for `dtype`;
// returns false (having done nothing) otherwise.
bool quant_dot_avx512(model::DType dtype, const std::byte* row, int n, const float* x,
                      size_t x_stride, int n_tokens, float* out, size_t out_stride);

}  // namespace boxed::inference::cpu
