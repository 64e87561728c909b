// The CPU forward (forward.h) and its paged KV cache (kv_cache.h) as a step executor of the
// shared decode loop (scheduler/generation_loop.h): what `--backend cpu` runs, and what
// `boxed bench --backend cpu` times.
//
//   std::unique_ptr<scheduler::StepExecutor> exec = cpu::make_step_executor(*model);
//   exec->reset_cache(n_blocks, 16);
//   exec->execute(plan, logits);   // runs on the calling thread's oneTBB arena
#pragma once

#include <memory>

#include "inference/cpu/matmul.h"
#include "inference/model/model.h"
#include "inference/scheduler/generation_loop.h"

namespace boxed::inference::cpu {

// The model must outlive the executor. Logits come back to the caller (samples_tokens() is false).
// activations: see CpuForward.
std::unique_ptr<scheduler::StepExecutor> make_step_executor(
    const model::Model& model, Activations activations = Activations::kF32);

}  // namespace boxed::inference::cpu
