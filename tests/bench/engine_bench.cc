// Decode throughput of the CPU engine end to end (scheduler, forward, sampler, detokenisation):
// n samples of one prompt, the R1 sampling defaults (temperature 0.6, top-p 0.95), 128 new
// tokens each, at batch 1 (one request) and batch 64 (64 samples decoded together).
//
//   build/bin/engine_bench                                  # the tiny model, written to /tmp
//   BOXED_BENCH_MODEL=/models/r1-1.5b build/bin/engine_bench --benchmark_filter=Model
//
// Counters: decode_tok/s (generated tokens per second of wall time, prefill included: the
// prompt is 20-odd tokens, prefilled once per batch), prefill_tok (prompt positions computed),
// forward_s and sample_s (seconds per iteration in the forward and in the sampler).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "inference/cpu/cpu_engine.h"
#include "inference/tools.h"

namespace boxed::inference::cpu {
namespace {

namespace fs = std::filesystem;

const std::string& tiny_model_dir() {
  static const std::string dir = [] {
    const fs::path d =
        fs::temp_directory_path() / ("boxed_engine_bench_" + std::to_string(::getpid()));
    make_tiny_model(d.string(), "qwen2", 1);
    std::atexit([] { fs::remove_all(tiny_model_dir()); });
    return d.string();
  }();
  return dir;
}

void run_decode(benchmark::State& state, const std::string& model, int max_tokens) {
  const auto batch = static_cast<int>(state.range(0));
  const auto threads = static_cast<int>(state.range(1));
  CpuEngine engine({.model_dir = model, .threads = threads, .max_batch_sequences = 64});
  std::vector<Request> requests;
  for (int s = 0; s < batch; ++s) {
    Request r{.id = "bench/0/" + std::to_string(s)};
    r.messages = {{.role = "user", .content = "Find the sum of all positive divisors of 36."}};
    r.sampling.max_tokens = max_tokens;
    r.seed = request_seed(1, r.id);
    requests.push_back(std::move(r));
  }
  int64_t generated = 0, prefill = 0;
  double forward_s = 0, sample_s = 0;
  for (auto _ : state) {
    engine.generate(requests, [&](Completion c) { generated += c.completion_tokens; });
    const scheduler::GenerationStats stats = engine.last_stats();
    prefill += stats.scheduler.prompt_tokens_computed;
    forward_s += stats.forward_seconds;
    sample_s += stats.sample_seconds;
  }
  state.counters["decode_tok/s"] =
      benchmark::Counter(static_cast<double>(generated), benchmark::Counter::kIsRate);
  state.counters["prefill_tok"] = benchmark::Counter(
      static_cast<double>(prefill), benchmark::Counter::kAvgIterations);
  // Where the wall time goes: the forward, and sampling (the rest is scheduling and text).
  state.counters["forward_s"] = benchmark::Counter(forward_s, benchmark::Counter::kAvgIterations);
  state.counters["sample_s"] = benchmark::Counter(sample_s, benchmark::Counter::kAvgIterations);
}

void BM_TinyDecode(benchmark::State& state) { run_decode(state, tiny_model_dir(), 128); }
BENCHMARK(BM_TinyDecode)
    ->ArgNames({"batch", "threads"})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Args({64, 1})
    ->Args({64, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// A model directory of your own (e.g. a random model of the DeepSeek-R1-Distill-Qwen-1.5B
// shape), 16 new tokens per request; skipped when BOXED_BENCH_MODEL is unset.
void BM_ModelDecode(benchmark::State& state) {
  const char* model = std::getenv("BOXED_BENCH_MODEL");
  if (model == nullptr) {
    state.SkipWithError("set BOXED_BENCH_MODEL to a model directory");
    return;
  }
  run_decode(state, model, 16);
}
BENCHMARK(BM_ModelDecode)
    ->ArgNames({"batch", "threads"})
    ->Args({1, 2})
    ->Args({64, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace
}  // namespace boxed::inference::cpu

BENCHMARK_MAIN();
