// The CPU backend ("--backend cpu"): the exact, deterministic reference engine. Loads a Hugging
// Face model directory (model/model.h), its tokenizer and chat template, and serves requests with
// the shared decode loop (scheduler/generation_loop.h) over the CPU forward (cpu/forward.h).
//
//   CpuEngine engine({.model_dir = "models/tiny", .threads = 2});
//   engine.generate(requests, [&](Completion c) { log.append(c); });
//   fmt::print("{} prompt positions computed\n", engine.last_stats().scheduler.prompt_tokens_computed);
//
// A request's prompt is Request::prompt when non-empty (used as is), else its messages through
// the model's chat template; special tokens are parsed either way. Its tokens depend only on the
// model, the prompt, the sampling parameters and the request seed — not on the batch size, the
// other requests or the thread count (forward.h "Determinism", sampler.h) — except with
// `activations = Activations::kQ8` (`--cpu-activations q8`), the opt-in llama.cpp-like int8
// arithmetic, where a step's token count matters (forward.h).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "inference/cpu/matmul.h"
#include "inference/engine.h"
#include "inference/scheduler/generation_loop.h"

namespace boxed::inference::model {
class Model;
}

namespace boxed::inference::cpu {

struct CpuEngineOptions {
  std::string model_dir;
  int threads = 0;             // oneTBB worker threads; 0 = all cores
  std::string chat_template;   // override: a built-in name or a file ("" = the model's)
  int max_batch_sequences = 64;
  int max_batch_tokens = 2048;
  int block_size_tokens = 16;
  int n_kv_blocks = 0;         // 0 = sized per generate() call (generation_loop.h)
  int64_t max_kv_cache_bytes = int64_t{4} << 30;
  // When set, replaces max_kv_cache_bytes: called once, at the first generate() (after the
  // weights are in place, before any KV pool exists), and its answer kept for the engine's life.
  // The CUDA backend sizes its pool from the device's free memory this way.
  std::function<int64_t()> kv_cache_budget_bytes;
  // Another backend's forward behind the same loading, templating and decode loop (the CUDA
  // backend passes its step executor here); empty = the CPU forward.
  std::function<std::unique_ptr<scheduler::StepExecutor>(const model::Model&)> make_executor;
  std::string backend_name = "cpu";
  std::string arithmetic = "fp32";
  // The CPU forward's decode activations (matmul.h); not read when make_executor is set.
  Activations activations = Activations::kF32;
};

class CpuEngine : public Engine {
 public:
  explicit CpuEngine(const CpuEngineOptions& options);  // throws on an unloadable model
  ~CpuEngine() override;

  EngineInfo info() const override;
  void generate(std::span<const Request> requests, const OnDone& on_done) override;

  // Counters of the last generate() call (prefix sharing, pre-emption, timings).
  // generate() calls on one engine run one after another (they share the KV cache).
  scheduler::GenerationStats last_stats() const;

 private:
  struct State;
  CpuEngineOptions options_;
  std::unique_ptr<State> state_;
  std::mutex generate_mutex_;
  mutable std::mutex stats_mutex_;
  scheduler::GenerationStats last_stats_;
};

}  // namespace boxed::inference::cpu
