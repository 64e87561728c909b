// The decode loop every local backend shares: scheduler step -> the backend's forward ->
// sampler per sequence -> RequestOutput -> on_done. A backend supplies only a StepExecutor
// (block copies + forward over a StepPlan); the CPU one is cpu/cpu_engine.cc, and a CUDA one
// plugs in the same way.
//
//   GenerationLoop loop(tokenizer, executor, {.scheduler = {...}, .eos_ids = ..., .context_tokens = ...});
//   GenerationStats stats = loop.run(requests, prompts, on_done);
//
// prompts[i] holds request i's prompt ids; requests whose prompt is empty, longer than the
// context, or whose sampling parameters are invalid get a kError Completion at once. Every
// request gets exactly one on_done call, from the calling thread, as soon as it finishes.
// Sampling of the rows of a step runs in parallel (oneTBB); the token of a row depends only on
// its logits, the request seed and the position (sampler/sampler.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "inference/engine.h"
#include "inference/scheduler/scheduler.h"
#include "inference/tokenizer/tokenizer.h"

namespace boxed::inference::scheduler {

// What a device-side sampler needs to draw a row's token (sampler/sampler.h semantics).
struct SampleRow {
  const SamplingParams* sampling = nullptr;
  uint64_t seed = 0;
  int64_t position = 0;  // the position of the token being drawn
};

// An executor either returns logits (execute; the loop samples on the host) or, when
// samples_tokens() is true, samples itself (execute_and_sample) so that only one int32 per row
// leaves the device instead of a [rows, vocab] logit block. Both must give the tokens the host
// sampler would give for the same logits.
class StepExecutor {
 public:
  virtual ~StepExecutor() = default;
  virtual int32_t vocab_size() const = 0;
  // Bytes the KV cache takes per position of a sequence (K and V of every layer), which sizes
  // the pool an engine's memory budget allows.
  virtual size_t kv_bytes_per_token() const = 0;
  // A KV cache of n_blocks blocks of block_size_tokens positions (contents undefined).
  virtual void reset_cache(int32_t n_blocks, int32_t block_size_tokens) = 0;
  // Performs plan.copies in order, then the forward; logits: [plan.logit_indices, vocab].
  virtual void execute(const StepPlan& plan, std::span<float> logits) = 0;
  virtual bool samples_tokens() const { return false; }
  // Performs plan.copies and the forward, then draws row j of plan.logit_indices with rows[j];
  // tokens: [plan.logit_indices]. Called only when samples_tokens() is true.
  virtual void execute_and_sample(const StepPlan& plan, std::span<const SampleRow> rows,
                                  std::span<int32_t> tokens);
};

struct GenerationOptions {
  SchedulerOptions scheduler;  // n_blocks = 0: sized from the requests (see sizing below)
  std::vector<int32_t> eos_ids;
  // Engine::on_tokens(): called with (request id, 1) for every token sampled, from the calling
  // thread, so a progress line moves during long generations. Empty: not called.
  OnTokens on_tokens;
  int64_t context_tokens = 0;  // max_position_embeddings
  // KV pool when scheduler.n_blocks == 0: room for max_batch_sequences sequences of the longest
  // prompt + max_tokens (capped by the context), at most max_cache_blocks, and never less than
  // one such sequence.
  int32_t max_cache_blocks = 1 << 16;
};

struct GenerationStats {
  SchedulerStats scheduler;
  int32_t n_blocks = 0;
  double forward_seconds = 0;
  double sample_seconds = 0;
};

class GenerationLoop {
 public:
  GenerationLoop(const tokenizer::Tokenizer& tok, StepExecutor& executor,
                 GenerationOptions options)
      : tok_(tok), executor_(executor), options_(std::move(options)) {}

  GenerationStats run(std::span<const Request> requests,
                      std::span<const std::vector<int32_t>> prompts, const OnDone& on_done);

 private:
  const tokenizer::Tokenizer& tok_;
  StepExecutor& executor_;
  GenerationOptions options_;
};

}  // namespace boxed::inference::scheduler
