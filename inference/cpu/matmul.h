// y[n, out] = x[n, in] · W[out, in]ᵀ (+ bias[out]): a linear layer over stored BF16/F16/F32,
// GGML block-quantized (Q4_0 ... Q6_K) or AWQ int4 (model/awq.h, dequantised per tile) weights
// with fp32 arithmetic.
//
//   matmul(xn.data(), n_tokens, layer.q_proj, layer.q_bias ? &*layer.q_bias : nullptr, q.data());
//
// W is processed in tiles of kTileRows rows: a tile is converted to fp32 once (into a per-thread
// buffer) and then reused for all n rows of x, so the weight bytes are read once per call
// whatever the batch size — decode is bound by the memory bandwidth of reading W
// (out * in * dtype bytes) at batch 1 and by FMAs (2 * n * out * in flops) at large batches.
// With fewer than 4 x rows (decode) and BF16 weights the tile is not materialised: rows are
// widened in registers (dot4_bf16), so each weight byte is read once from memory; GGML
// quantized weights (from GGUF) are decoded block by block on the stack (quant_dot.h), so they
// stay quantized in memory and the decode step reads only their blocks. With 4 or more x rows a
// quantized tile is dequantised once (model::convert_to_f32) like any other dtype, and then
// (AVX-512) walked in chunks of 256 elements of k: each chunk of the tile (16 KiB) stays in L1
// while every group of 4 tokens passes over it, with 4 x 4 accumulators per group kept between
// chunks (dot4x4_accumulate). On a 64-token 896 x 4864 Q4_K matmul, one thread: 14.5 -> ~8.5
// ms, 36% -> ~57% of the measured FMA peak (quant_matmul_bench BM_MatmulBatch); the kernel
// alone, with its operands in L1, runs at ~95% of it.
// With Activations::kQ8, for the weight types that have int8 kernels, each token's x is
// quantized to int8 per 32 elements once per call and the blocks are multiplied in integers, as
// llama.cpp computes: below 4 tokens row by row (quant_dot_q8.h), from 4 on per tile, unpacked
// once to codes and shared by all tokens (quant_gemm_q8.h; 64 tokens of 896 x 4864 Q4_K, one
// thread: 8.9 -> 2.4 ms). Not bit-identical to the fp32 reference; the default (kF32) is.
// Tiles are the unit of oneTBB parallelism; each y element has the bits of one dot() over the
// widened row (see dot.h) on every path, so results are bit-identical for any n and any thread
// count.
#pragma once

#include "inference/model/safetensors.h"

namespace boxed::inference::cpu {

inline constexpr int kTileRows = 16;

// The activations GGML blocks are multiplied with: kF32, the exact reference; kQ8, int8 per
// block of 32 (`--cpu-activations q8`).
enum class Activations { kF32, kQ8 };

void matmul(const float* x, int n, const model::TensorView& w, const model::TensorView* bias,
            float* y, Activations activations = Activations::kF32);

}  // namespace boxed::inference::cpu
