// The matmul of weights kept in their GGUF blocks on the device (cpu/matmul.h `matmul` with a
// quantized weight): y[n, out] = x[n, in] · W[out, in]ᵀ (+ bias[out]), W dequantised inside the
// kernel (quant_blocks.cuh) and never stored as floats, so a Q4_K_M model takes its file's size
// in device memory (a 70B Q4_K_M fits one 80 GB GPU; in bf16 it would not).
//
//   quant_matmul(stream, x_dev, n_tokens, w_blocks_dev, DType::kQ4_K, out, in, bias_or_null, y);
//
// Method: a block of 4 warps owns 16 output rows (4 per warp) and 8 tokens (consecutive blocks
// take the next 8 tokens of the same rows, which L2 then serves); each lane decodes 32-value chunks c = lane, lane + 32, ... of its warp's rows and
// accumulates them against the tokens' x in fp32 (fmaf, four partial sums per chunk); the
// warp's 32 (row, token) partials of each lane go through shared memory and lane i adds output
// i's 32 partials in lane order. No tensor cores: decode steps (n up to a few hundred) read each
// weight byte once per 8 tokens from L2; prefill of thousands of tokens re-decodes the weights
// per 8 tokens and is compute-bound, far from what a tensor-core path would do.
// Exactness: the dequantised values are the host's bit for bit; the sums run in another order
// than cpu::dot, so results agree to rounding (about 1e-6 relative), except that a one-hot x
// reads one weight back exactly.
// Bytes: reads out · row_bytes (W, once per 8 tokens) + n · in · 4 (x), writes n · out · 4.
#pragma once

#include <cstdint>

#include "inference/cuda/runtime.h"
#include "inference/model/dtype.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

// Whether quant_matmul and embed_quantized (embed.cuh) take weights of `dtype`: every GGML block
// type boxed loads (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K).
bool quant_kernels_support(model::DType dtype);

// `w`: out rows of dtype_row_bytes(dtype, in) bytes each; in a multiple of the block size.
// Throws std::invalid_argument for another dtype or such an `in`.
void quant_matmul(Stream& stream, const float* x, int n, const uint8_t* w, model::DType dtype,
                  int out, int in, const float* bias, float* y);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
