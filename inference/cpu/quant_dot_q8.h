// The opt-in int8 decode path: activations quantized to 8 bits per block of 32 elements, then
// dotted with GGML blocks in integers (AVX-512 VNNI vpdpbusd, 64 multiply-adds per
// instruction). This is how llama.cpp's CPU backend computes every quantized matmul (its
// ggml_vec_dot_* over q8_0 / q8_K activations); boxed computes the same kind of product with its
// own block arrangement. It is chosen with `--cpu-activations q8`; these kernels serve the decode
// path of matmul (fewer than 4 tokens), where decoding weights to fp32 (quant_dot.h) costs more
// than reading them: batch-1 decode is bound by that decoding on this project's CPUs, not by
// memory. From 4 tokens on, quant_gemm_q8.h multiplies whole tiles with the same activations.
// One thread, f32 path -> this one (quant_matmul_bench BM_Matmul vs BM_MatmulQ8, 2026-12-03):
// 896 x 4864 Q4_K 437 -> 187 us, Q6_K 592 -> 234, Q8_0 368 -> 216, Q4_1 340 -> 223, Q5_0 351 ->
// 249; the 151936-row head (streamed from memory) Q4_K 15.2 -> 8.5 ms, Q6_K 26.1 -> 9.7, Q8_0
// 13.6 -> 10.0, Q4_1 12.9 -> 8.3, Q5_0 17.3 -> 9.8.
//
//   Q8Activations xq;
//   quantize_activations(x, in, xq);                          // once per token
//   if (!quant_dot_q8_rows(w.dtype, w.row(0), w.row_bytes(), rows, in, xq, y)) { exact path }
//
// Not the reference arithmetic: each activation x is replaced by x̂ = d · q (q an int8, d the
// block's max |x| / 127), an error of at most d / 2 per element, and the result is Σ w · x̂ up to
// float rounding of the block scales (tests/inference/cpu/quant_dot_q8_test.cc states both
// bounds). So logits move by about what llama.cpp's do; the default (f32) path stays the exact
// reference, bit-identical to dot() over the dequantised row.
//
// Integer products: vpdpbusd multiplies unsigned bytes by signed bytes, so the weights enter as
// their unsigned codes (Q4_K, Q4_1: 0..15; Q5_0: 0..31; Q6_K: 0..63; Q8_0: q + 128) and the
// activations as signed q; a type's zero point (16, 32 or 128 times the block's Σq) is
// subtracted in the integer accumulator itself, and float offsets (Q4_K's minimums, Q4_1's m)
// are applied per block to d · Σq.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "inference/model/dtype.h"

namespace boxed::inference::cpu {

inline constexpr int kQ8BlockElems = 32;

// One token's activations, quantized per block of 32 elements (n a multiple of 64).
struct Q8Activations {
  int n = 0;
  std::vector<int8_t> q;              // [n] round(x / d), in [-127, 127]
  std::vector<float> d;               // [n / 32] the block's max |x| / 127 (0 for an all-zero block)
  std::vector<float> sum;             // [n / 32] d * Σq of the block: Σ x̂ over it
  // The per-lane forms the kernels read 16 lanes at a time; int32 lane i of a vpdpbusd holds the
  // products of elements 4i..4i+3.
  std::vector<float> lane_d;          // [n / 4] d of the block element 4i is in
  std::vector<int32_t> lane_sum16;    // [n / 4] Σq over elements 4i..4i+15 if i % 4 == 0, else 0
};

// Quantizes x[0..n) (n > 0, a multiple of 64) into `out` (its buffers reused).
void quantize_activations(const float* x, int n, Q8Activations& out);

// Whether this build has an int8 kernel for `dtype` at row length n (AVX-512 VNNI; Q4_K, Q6_K,
// Q5_0, Q4_1, Q8_0; n a multiple of the block and of 64).
bool quant_dot_q8_supported(model::DType dtype, int n);

// out[r] = Σ_k dequant(row r)[k] · x̂[k] for the n_rows rows, row_bytes apart, when
// quant_dot_q8_supported(dtype, x.n); returns false (having done nothing) otherwise.
bool quant_dot_q8_rows(model::DType dtype, const std::byte* rows, size_t row_bytes, int n_rows,
                       const Q8Activations& x, float* out);

}  // namespace boxed::inference::cpu
