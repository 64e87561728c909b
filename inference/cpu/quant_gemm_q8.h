// The int8 batched path of `--cpu-activations q8`: a tile of up to 16 rows of GGML blocks
// multiplied with 4 or more tokens' int8 activations (quant_dot_q8.h's Q8Activations) in
// integers. This is what makes q8 mode fast where boxed samples: 64 responses of one prompt
// decode as one 64-token step, and prefill is a many-token step.
//
//   const Q8Batch batch(w.dtype, x_q8.data(), n);         // once per matmul, all tokens
//   quant_gemm_q8_tile(w.dtype, w.row(row0), w.row_bytes(), rows, batch, y + row0, out);
//
// The tile's blocks are first unpacked into unsigned codes laid out for vpdpbusd with the rows
// in the 16 int32 lanes (codes[k / 4][row][k % 4]), plus one float scale (and, for the types
// with a minimum, offset) per row and group of 16 or 32 elements: weight = scale * (code -
// zero point) + offset. Then, per group of up to 8 tokens, one zmm of 16 rows' codes meets a
// broadcast of 4 activation bytes: 64 multiply-adds per instruction against the fp32 tile
// path's 16, with a float fold per group of elements (scale * d_x, and the offset against
// d_x * Σq). The activation's zero-point correction, -(zero point) * Σq of the group, is the
// integer accumulator's starting value.
//
// One thread, 64 tokens (quant_matmul_bench BM_MatmulBatch vs BM_MatmulBatchQ8, 2026-12-03):
// 896 x 4864 Q4_K 8.9 -> 2.4 ms, Q6_K 6.7 -> 3.0, Q8_0 7.5 -> 2.3, Q5_0 6.7 -> 2.5; Qwen2.5-0.5B
// sampling 64 responses of a prompt decodes at ~260 instead of ~115 tokens/s on 2 threads
// (tests/bench/results/llama_cpp_speed.md).
//
// Not the reference arithmetic, as for the decode path: Σ w · x̂ up to float rounding of the
// scales (tests/inference/cpu/quant_matmul_test.cc holds both paths to the same bound).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "inference/cpu/quant_dot_q8.h"
#include "inference/model/dtype.h"

namespace boxed::inference::cpu {

// The tokens of one matmul call as the tile kernel reads them: each token's int8 codes, and per
// group of the weight type's scale granularity (32 elements; 16 for Q6_K) the accumulator's
// starting value -(zero point) * Σq, d_x, and d_x * Σq.
class Q8Batch {
 public:
  // x[0..n) quantized with quantize_activations, all of one length; dtype one that
  // quant_dot_q8_supported accepts at that length.
  Q8Batch(model::DType dtype, const Q8Activations* x, int n);

  int n_tokens() const { return n_; }
  int n_elems() const { return in_; }
  int group_elems() const { return group_; }
  const int8_t* q(int t) const { return x_[t].q.data(); }
  const int32_t* start(int t) const { return start_.data() + static_cast<size_t>(t) * groups_; }
  const float* d(int t) const { return d_.data() + static_cast<size_t>(t) * groups_; }
  const float* sum(int t) const { return sum_.data() + static_cast<size_t>(t) * groups_; }

 private:
  const Q8Activations* x_;
  int n_, in_, group_, groups_;
  std::vector<int32_t> start_;  // [n, groups]
  std::vector<float> d_, sum_;  // [n, groups]
};

// y[t * y_stride + r] = Σ_k dequant(row r)[k] · x̂_t[k] for r < n_rows (at most 16, row_bytes
// apart) and every token t of the batch. Returns false (having done nothing) where
// quant_dot_q8_supported(dtype, batch length) is false.
bool quant_gemm_q8_tile(model::DType dtype, const std::byte* rows, size_t row_bytes, int n_rows,
                        const Q8Batch& batch, float* y, size_t y_stride);

}  // namespace boxed::inference::cpu
