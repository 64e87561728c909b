// Cost of one sampled token (sampler/sampler.h) over a vocabulary of random normal logits:
// greedy, the R1 defaults (temperature 0.6, top-p 0.95) and untruncated temperature sampling,
// for the tiny model's vocabulary (662) and Qwen2's (151,936, DeepSeek-R1-Distill-Qwen config).
//
//   build/bin/sampler_bench
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "inference/sampler/sampler.h"

namespace boxed::inference::sampler {
namespace {

std::vector<float> normal_logits(int64_t n_vocab, float scale) {
  std::mt19937 gen(42);
  std::normal_distribution<float> normal(0, scale);
  std::vector<float> logits(static_cast<size_t>(n_vocab));
  for (float& l : logits) l = normal(gen);
  return logits;
}

void run(benchmark::State& state, SamplingParams params) {
  const std::vector<float> logits = normal_logits(state.range(0), 3.0f);
  Sampler sampler;
  int64_t position = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(sampler.sample(logits, params, 7, position++));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Greedy(benchmark::State& state) { run(state, {.temperature = 0}); }
void BM_R1Defaults(benchmark::State& state) { run(state, {.temperature = 0.6f, .top_p = 0.95f}); }
void BM_Temperature(benchmark::State& state) { run(state, {.temperature = 1.0f, .top_p = 1.0f}); }
BENCHMARK(BM_Greedy)->Arg(662)->Arg(151936)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_R1Defaults)->Arg(662)->Arg(151936)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Temperature)->Arg(662)->Arg(151936)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace boxed::inference::sampler

BENCHMARK_MAIN();
