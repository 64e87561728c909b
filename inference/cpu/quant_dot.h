// Dot products of fp32 activations with one row of GGML quantized weights, read straight from
// the blocks: the decode path of the CPU matmul (a few tokens), where reading the weights is the
// whole cost, so each block is decoded once into a small stack buffer (32 or 256 floats, L1) and
// used at once by every token, and the weights stay quantized in memory.
//
//   float y[2];
//   quant_dot(DType::kQ4_K, w.row(r), in, x, in, 2, y, 1);   // y[t] = x_t · dequant(row r)
//
// Determinism: out[t] has the bits of dot(x_t, dequantised row, n) (dot.h): the same 16-lane
// fused multiply-adds in the same element order (blocks are whole multiples of 16 elements, so
// lane j always takes the elements k with k % 16 == j, in increasing k), then the same pairwise
// lane tree; the decoded values are those of quant::dequantize_row. So the decode path and the
// tile path of matmul give identical bits (tests/inference/cpu/quant_dot_test.cc).
//
// Bytes moved per call: n / block_elems * block_bytes of weights (e.g. 0.5625 B/element for
// Q4_K) plus n_tokens * n * 4 bytes of x, which stay in L1/L2 across rows. Work: one block
// decode per block and 2 * n_tokens * n flops.
#pragma once

#include <cstddef>

#include "inference/model/dtype.h"

namespace boxed::inference::cpu {

inline constexpr int kMaxQuantDotTokens = 4;

// out[t * out_stride] = dot(x + t * x_stride, dequantised row, n) for t < n_tokens
// (1 <= n_tokens <= kMaxQuantDotTokens); n a multiple of the block size of the quantized dtype.
// Uses the AVX-512 kernel of quant_dot_avx512.h where the build has one for `dtype`, else
// quant_dot_portable; both give the same bits.
void quant_dot(model::DType dtype, const std::byte* row, int n, const float* x, size_t x_stride,
               int n_tokens, float* out, size_t out_stride);

// quant_dot over n_rows rows, row_bytes apart: out[t * out_stride + r] = dot(x_t, dequantised
// row r, n). The same bits as one quant_dot per row; the AVX-512 kernels take several rows at
// once (quant_dot_avx512.h), which is what makes a one-token matmul fast.
void quant_dot_rows(model::DType dtype, const std::byte* rows, size_t row_bytes, int n_rows,
                    int n, const float* x, size_t x_stride, int n_tokens, float* out,
                    size_t out_stride);

// The portable path alone (auto-vectorised decode into a stack buffer, then dot()'s lane loop);
// tests compare the two.
void quant_dot_portable(model::DType dtype, const std::byte* row, int n, const float* x,
                        size_t x_stride, int n_tokens, float* out, size_t out_stride);

}  // namespace boxed::inference::cpu
