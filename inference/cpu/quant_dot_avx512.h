// AVX-512 kernels behind quant_dot (quant_dot.h) for the block types of the real models (a
// Q4_K_M file is mostly Q4_K, Q5_0, Q6_K and Q8_0; SmolLM2's is Q4_1 and Q8_0). Where a table
// lookup beats decoding, the possible values of a sub-block are computed once with the
// decoder's own rounding and looked up 16 elements at a time: Q4_K's 16 levels (d * sc) * q -
// (dmin * mn) and Q4_1's d * q + m with one vpermps, Q5_0's 32 levels d * (q - 16) with one
// vpermt2ps. Q6_K (64 levels) and Q8_0 are decoded 16 at a time in one zmm. CPU time of a
// batch-1 896 x 4864 matmul against the portable path: Q4_K 1.6x, Q5_0 2.6x, Q6_K 1.7x, Q8_0
// 1.5x, Q4_1 1.75x faster (measured when each kernel landed). The FMA lanes are dot()'s (one
// zmm = 16 lanes, elements in increasing order), so results keep the bits of dot() over the
// dequantised row — the same as the portable path; the tests check both on every build that
// has this one. At one token the Q4_K, Q5_0 and Q4_1 kernels take 4 rows at once, at two
// tokens every kernel takes 2, so that 4 independent FMA chains are in flight
// (quant_dot_avx512.cc says what was measured). Other types use the portable path.
//
//   if (!quant_dot_avx512(dtype, rows, row_bytes, n_rows, n, x, x_stride, n_tokens, out,
//                         out_stride)) { portable }
#pragma once

#include <cstddef>

#include "inference/model/dtype.h"

namespace boxed::inference::cpu {

// Computes quant_dot_rows and returns true when this build has AVX-512F and a kernel for
// `dtype`; returns false (having done nothing) otherwise.
bool quant_dot_avx512(model::DType dtype, const std::byte* rows, size_t row_bytes, int n_rows,
                      int n, const float* x, size_t x_stride, int n_tokens, float* out,
                      size_t out_stride);

}  // namespace boxed::inference::cpu
