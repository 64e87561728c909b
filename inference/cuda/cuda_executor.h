// The CUDA step executor: the Qwen2 / Llama forward of cpu/forward.h on the device, over a paged
// KV cache in device memory addressed by the scheduler's block tables, with sampling on the
// device (sample.cuh), behind the shared decode loop (scheduler/generation_loop.h).
//
//   auto executor = make_executor(*model);       // uploads the weights once
//   GenerationLoop loop(tokenizer, *executor, options);
//
// Per step: plan.copies as device block copies; ids, positions, block tables uploaded; then per
// layer rmsnorm → GEMM q/k/v (+bias) → apply_rope → kv_write → attention → GEMM o + add →
// rmsnorm → GEMM gate, up → silu_mul → GEMM down + add; final rmsnorm and the LM head GEMM for
// the rows whose logits are wanted; then either the logits come back (execute) or only the
// sampled tokens (execute_and_sample).
// Weights: BF16/F16/F32 tensors as bf16, GGUF block types kept in their blocks (quant_matmul.cuh,
// embed.cuh); norms and biases fp32.
// KV cache: bf16 by default, fp32 on request (ExecutorOptions::kv_dtype; layout in kv_layout.h).
#pragma once

#include <memory>

#include "inference/cuda/flavour.h"
#include "inference/cuda/kv_layout.h"
#include "inference/model/model.h"
#include "inference/scheduler/generation_loop.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

struct ExecutorOptions {
  // Decode steps (every row one token, logits for each) of up to 256 rows run padded to a fixed
  // shape per bucket of rows and table width, captured once as a CUDA graph and replayed; the
  // results are the plain steps' bit for bit. Off: every step is launched plainly in its own shape.
  bool bucketed_steps = true;
  // The KV cache's elements. bf16: K and V rounded to nearest even as they are written (half the
  // bytes per position of fp32); fp32: stored exactly, as in the CPU reference.
  KvDtype kv_dtype = KvDtype::kBf16;
};

std::unique_ptr<scheduler::StepExecutor> make_executor(const model::Model& model,
                                                       const ExecutorOptions& options);
std::unique_ptr<scheduler::StepExecutor> make_executor(const model::Model& model);  // defaults
// The defaults with the given KV element type (executors.h: what engine_factory.cc calls).
std::unique_ptr<scheduler::StepExecutor> make_executor(const model::Model& model, KvDtype kv_dtype);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
