// CUDA backend figures on the device (scripts/gpu_check.sh runs this and files the JSON under
// tests/bench/results/): bandwidth the same run measures with a device-to-device copy, decode
// attention over the paged cache at 1k–32k context, and whole decode steps (forward + device
// sampling) of a random DeepSeek-R1-Distill-Qwen-1.5B-shaped model, as ratios to that bandwidth.
//
//   build/bin/cuda_bench --benchmark_format=json
//   BOXED_BENCH_R1_LAYERS=2 BOXED_BENCH_COPY_MIB=64 build/bin/cuda_emu_bench   # emulation smoke
//
// Counters:
//   copy_GB_per_s        bytes read + written per second by cudaMemcpyAsync device to device
//   kv_GB_per_s          KV bytes attention must read (2 · context · kv_dim · 2 per sequence,
//                        bf16 cache) / s
//   tokens_per_s         generated tokens per second (batch per step)
//   (real_time)          mean decode step in ms (forward + sampling + one int32 per row back)
//   step_GB              weight bytes (bf16) + KV bytes (bf16) read by one step
//   step_GB_per_s        step_GB / step time: compare with copy_GB_per_s / 2 (read-only traffic)
//   peak_device_GiB      device memory allocated through DeviceBuffer, peak so far
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <numeric>
#include <vector>

#include "inference/cuda/attention.cuh"
#include "inference/cuda/cuda_executor.h"
#include "inference/cuda/kv_layout.h"
#include "inference/cuda/runtime.h"
#include "inference/model/model.h"
#include "inference/model/random_model.h"
#include "tests/inference/model/scratch_dir.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

void BM_CopyBandwidth(benchmark::State& state) {
  const size_t bytes = size_t(env_int("BOXED_BENCH_COPY_MIB", 2048)) << 20;
  Stream stream;
  DeviceBuffer src(bytes), dst(bytes);
  stream.zero(src.get(), bytes);
  stream.on_device(dst.get(), src.get(), bytes);  // warm-up
  stream.synchronize();
  for (auto _ : state) {
    stream.on_device(dst.get(), src.get(), bytes);
    stream.synchronize();
  }
  state.counters["copy_GB_per_s"] =
      benchmark::Counter(2.0 * bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// One layer of the 1.5B shape (12 query heads, 2 KV heads, head_dim 128): `batch` sequences,
// each decoding at position context - 1.
void BM_DecodeAttention(benchmark::State& state) {
  const int context = static_cast<int>(state.range(0)), batch = static_cast<int>(state.range(1));
  const int n_heads = 12, block = 16, blocks_per_seq = (context + block - 1) / block;
  const KvLayout layout{.n_layers = 1, .n_kv_heads = 2, .head_dim = 128,
                        .block_size_tokens = block, .n_blocks = batch * blocks_per_seq};
  Stream stream;
  DeviceBuffer cache(layout.bytes_per_block() * layout.n_blocks);
  stream.zero(cache.get(), cache.bytes());
  std::vector<int32_t> table(size_t(batch) * blocks_per_seq), positions(batch, context - 1),
      seq_ids(batch);
  std::iota(table.begin(), table.end(), 0);
  std::iota(seq_ids.begin(), seq_ids.end(), 0);
  DeviceBuffer d_table(table.size() * 4), d_pos(positions.size() * 4), d_seq(seq_ids.size() * 4);
  stream.to_device(d_table, table);
  stream.to_device(d_pos, positions);
  stream.to_device(d_seq, seq_ids);
  DeviceBuffer q(size_t(batch) * n_heads * 128 * 4), out(q.bytes());
  stream.zero(q.get(), q.bytes());
  DeviceBuffer scratch(attention_scratch_floats(batch, n_heads, 128, context - 1) * 4);
  const auto run = [&] {
    attention(stream, q.as<float>(), batch, n_heads, d_pos.as<int32_t>(), d_seq.as<int32_t>(),
              d_table.as<int32_t>(), blocks_per_seq, cache.get(), layout, 0, context - 1,
              scratch.as<float>(), out.as<float>());
  };
  run();
  stream.synchronize();
  for (auto _ : state) {
    run();
    stream.synchronize();
  }
  const double kv_bytes = 2.0 * context * 2 * 128 * static_cast<double>(layout.element_bytes()) * batch;
  state.counters["kv_GB_per_s"] =
      benchmark::Counter(kv_bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// DeepSeek-R1-Distill-Qwen-1.5B's shape (model::r1_distill_qwen_1_5b_config), BF16 random weights.
struct R1 {
  testing::ScratchDir dir{"cuda_bench"};
  std::unique_ptr<model::Model> model;
  std::unique_ptr<scheduler::StepExecutor> executor;
  size_t weight_bytes = 0;
};

R1& r1() {
  static R1 m;
  if (!m.model) {
    model::ModelConfig c = model::r1_distill_qwen_1_5b_config();
    c.n_layers = env_int("BOXED_BENCH_R1_LAYERS", 28);
    model::write_random_model(m.dir.path() / "r1", c, 1, model::DType::kBF16);
    m.model = model::Model::load(m.dir.path() / "r1");
    m.executor = make_executor(*m.model);
    const size_t layer = size_t(c.hidden_size) * (c.n_heads + 2 * c.n_kv_heads) * c.head_dim +
                         size_t(c.n_heads) * c.head_dim * c.hidden_size +
                         3 * size_t(c.hidden_size) * c.intermediate_size;
    m.weight_bytes = 2 * (layer * c.n_layers + size_t(c.vocab_size) * c.hidden_size);
  }
  return m;
}

void BM_DecodeStepR1Distill1p5B(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0)), context = static_cast<int>(state.range(1));
  R1& m = r1();
  const model::ModelConfig& c = m.model->config();
  const int block = 16, blocks_per_seq = context / block + 1;
  m.executor->reset_cache(batch * blocks_per_seq, block);
  scheduler::StepPlan plan;
  plan.max_blocks_per_row = blocks_per_seq;
  plan.block_tables.resize(size_t(batch) * blocks_per_seq);
  std::iota(plan.block_tables.begin(), plan.block_tables.end(), 0);
  SamplingParams sampling;  // the R1 recommendation: temperature 0.6, top-p 0.95
  std::vector<scheduler::SampleRow> rows;
  for (int s = 0; s < batch; ++s) {
    plan.tokens.push_back((s * 7919) % c.vocab_size);
    plan.positions.push_back(context);  // the slot is rewritten each step: fixed attention cost
    plan.rows.push_back(s);
    plan.logit_indices.push_back(s);
    rows.push_back({.sampling = &sampling, .seed = uint64_t(s), .position = context});
  }
  std::vector<int32_t> tokens(batch);
  m.executor->execute_and_sample(plan, rows, tokens);  // warm-up: sizes every scratch buffer
  for (auto _ : state) {
    m.executor->execute_and_sample(plan, rows, tokens);
    benchmark::DoNotOptimize(tokens.data());
  }
  const double kv_bytes =
      static_cast<double>(m.executor->kv_bytes_per_token()) * (context + 1) * batch;
  const double step_bytes = static_cast<double>(m.weight_bytes) + kv_bytes;
  state.counters["tokens_per_s"] =
      benchmark::Counter(batch, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["step_GB"] = step_bytes / 1e9;
  state.counters["step_GB_per_s"] =
      benchmark::Counter(step_bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["layers"] = c.n_layers;
  state.counters["peak_device_GiB"] = device_bytes_peak() / 1073741824.0;
}

}  // namespace
}  // namespace boxed::inference::cuda::BOXED_CUDA_NS

namespace bench = boxed::inference::cuda::BOXED_CUDA_NS;
BENCHMARK(bench::BM_CopyBandwidth)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bench::BM_DecodeAttention)
    ->ArgsProduct({{1024, 8192, 32768}, {1, 16, 64}})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bench::BM_DecodeStepR1Distill1p5B)
    ->Args({1, 1024})->Args({64, 1024})->Args({256, 1024})->Args({64, 8192})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
