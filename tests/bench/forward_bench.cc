// CPU forward throughput: decode tokens/s at batch 1 and 64 for the tiny model and for a random
// model of the DeepSeek-R1-Distill-Qwen-1.5B shape, next to the memory-bandwidth bound.
//
//   build/bin/forward_bench                                  # everything
//   build/bin/forward_bench --benchmark_filter=R1Distill     # the 1.5B shape only
//   BOXED_BENCH_R1_LAYERS=4 build/bin/forward_bench           # fewer layers (per-layer figures)
//
// Decode step = one forward of `batch` sequences x 1 token, each at context position kContext
// (the slot is rewritten each step so the attention cost stays fixed). Counters:
//   tokens_per_s      decode tokens per second (batch tokens per step)
//   weight_GB_per_s   weight bytes streamed per second (every step reads all weights once)
//   weight_GB         the bytes one step must read
// BM_ReadBandwidth measures this machine's read bandwidth (oneTBB sum over a 1 GiB buffer); at batch 1
// decode cannot beat bandwidth / weight_GB steps per second.
// BM_AttendGroup: one token's attention over a sequence of `position` + 1 cached positions, all 7
// query heads of one Qwen2.5-0.5B KV head (head_dim 64), one thread; KV_GB_per_s counts the K and
// V bytes of that head read once.
#include <cstdlib>
#include <numeric>

#include <benchmark/benchmark.h>
#include <tbb/parallel_for.h>

#include "inference/cpu/attention.h"
#include "inference/cpu/forward.h"
#include "inference/cpu/matmul.h"
#include "inference/model/random_model.h"
#include "inference/tools.h"
#include "tests/inference/model/scratch_dir.h"

namespace boxed::inference::cpu {
namespace {

constexpr int kContext = 64;

void BM_ReadBandwidth(benchmark::State& state) {
  std::vector<float> buffer((size_t{1} << 30) / sizeof(float), 1.0f);
  constexpr size_t kChunk = size_t{1} << 20;  // floats per task
  for (auto _ : state) {
    std::vector<float> partial(buffer.size() / kChunk);
    tbb::parallel_for(size_t{0}, partial.size(), [&](size_t c) {
      float sums[16] = {};
      for (size_t i = c * kChunk; i < (c + 1) * kChunk; i += 16) {
        for (int j = 0; j < 16; ++j) sums[j] += buffer[i + j];
      }
      partial[c] = std::accumulate(sums, sums + 16, 0.0f);
    });
    benchmark::DoNotOptimize(partial.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * (int64_t{1} << 30));
}

// One BF16 linear layer of the 1.5B shape's MLP (gate_proj: 8960 x 1536, 27.5 MB) at batch
// `range(0)`: weight GB/s at batch 1 (bandwidth-bound), GFLOP/s at batch 64 (FMA-bound).
void BM_MatmulBf16(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  constexpr int kOut = 8960, kIn = 1536;
  std::vector<uint16_t> w(size_t{kOut} * kIn);
  for (size_t i = 0; i < w.size(); ++i) w[i] = model::f32_to_bf16(static_cast<float>(i % 251) / 251.0f - 0.5f);
  const model::TensorView view{.name = "w", .dtype = model::DType::kBF16, .shape = {kOut, kIn},
                               .data = reinterpret_cast<const std::byte*>(w.data())};
  std::vector<float> x(size_t(n) * kIn, 0.01f), y(size_t(n) * kOut);
  for (auto _ : state) {
    matmul(x.data(), n, view, nullptr, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["weight_GB_per_s"] =
      benchmark::Counter(w.size() * 2 / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP_per_s"] =
      benchmark::Counter(2.0 * n * kOut * kIn / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

size_t weight_bytes(const model::Model& m) {
  const model::ModelWeights& w = m.weights();
  size_t total = w.embed_tokens.size_bytes() / w.embed_tokens.shape[0] +  // one row per token
                 w.final_norm.size_bytes() + w.lm_head.size_bytes();
  for (const model::LayerWeights& l : w.layers) {
    total += l.input_norm.size_bytes() + l.q_proj.size_bytes() + l.k_proj.size_bytes() +
             l.v_proj.size_bytes() + l.o_proj.size_bytes() + l.post_attention_norm.size_bytes() +
             l.gate_proj.size_bytes() + l.up_proj.size_bytes() + l.down_proj.size_bytes();
  }
  return total;
}

void decode(benchmark::State& state, const model::Model& m) {
  const int batch = static_cast<int>(state.range(0));
  const model::ModelConfig& c = m.config();
  const int blocks_per_seq = (kContext + 16) / 16;
  KvCache cache({.n_layers = c.n_layers, .n_kv_heads = c.n_kv_heads, .head_dim = c.head_dim,
                 .n_blocks = batch * blocks_per_seq});
  std::vector<int32_t> table(batch * blocks_per_seq);
  std::iota(table.begin(), table.end(), 0);
  std::vector<int32_t> tokens(batch), positions(batch, kContext), seq_ids(batch), wanted(batch);
  for (int s = 0; s < batch; ++s) tokens[s] = (s * 7919) % c.vocab_size, seq_ids[s] = s, wanted[s] = s;
  std::vector<float> logits(size_t(batch) * c.vocab_size);
  CpuForward forward(m);
  const ForwardBatch step{.tokens = tokens, .positions = positions, .seq_ids = seq_ids,
                          .block_tables = table, .max_blocks_per_seq = blocks_per_seq,
                          .logit_indices = wanted};
  forward.run(step, cache, logits);  // warm-up: faults the mapped weights in, sizes buffers
  for (auto _ : state) {
    forward.run(step, cache, logits);
    benchmark::DoNotOptimize(logits.data());
  }
  const double bytes = static_cast<double>(weight_bytes(m));
  state.counters["tokens_per_s"] = benchmark::Counter(batch, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["weight_GB_per_s"] =
      benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["layers"] = c.n_layers;
  state.counters["weight_GB"] = bytes / 1e9;
}

struct Models {
  testing::ScratchDir dir{"forward_bench"};
  std::unique_ptr<model::Model> tiny;
  std::unique_ptr<model::Model> r1;
};

Models& models() {
  static Models m;
  return m;
}

void BM_DecodeTiny(benchmark::State& state) {
  Models& m = models();
  if (!m.tiny) {
    make_tiny_model((m.dir.path() / "tiny").string(), "qwen2", 1);
    m.tiny = model::Model::load(m.dir.path() / "tiny");
  }
  decode(state, *m.tiny);
}

// DeepSeek-R1-Distill-Qwen-1.5B's shape (model::r1_distill_qwen_1_5b_config), BF16 random weights.
void BM_DecodeR1Distill1p5B(benchmark::State& state) {
  Models& m = models();
  if (!m.r1) {
    const char* layers = std::getenv("BOXED_BENCH_R1_LAYERS");
    model::ModelConfig c = model::r1_distill_qwen_1_5b_config();
    c.n_layers = layers ? std::atoi(layers) : 28;
    model::write_random_model(m.dir.path() / "r1", c, 1, model::DType::kBF16);
    m.r1 = model::Model::load(m.dir.path() / "r1");
  }
  decode(state, *m.r1);
}

void BM_AttendGroup(benchmark::State& state) {
  const int position = static_cast<int>(state.range(0));
  constexpr int kHeads = 14, kKvHeads = 2, kHeadDim = 64, kBlock = 16;
  const int n_blocks = position / kBlock + 1;
  KvCache cache({.n_layers = 1, .n_kv_heads = kKvHeads, .head_dim = kHeadDim, .block_size_tokens = kBlock,
                 .n_blocks = n_blocks});
  for (int b = 0; b < n_blocks; ++b) {
    for (int h = 0; h < kKvHeads; ++h) {
      for (int i = 0; i < kBlock * kHeadDim; ++i) {
        cache.key(b, 0, h)[i] = static_cast<float>((i * 7 + b) % 13) * 0.05f - 0.3f;
        cache.value(b, 0, h)[i] = static_cast<float>((i * 5 + b) % 11) * 0.05f - 0.25f;
      }
    }
  }
  std::vector<int32_t> table(n_blocks);
  std::iota(table.begin(), table.end(), 0);
  std::vector<float> q(kHeads * kHeadDim), out(q.size());
  for (size_t i = 0; i < q.size(); ++i) q[i] = static_cast<float>(i % 9) * 0.1f - 0.4f;
  for (auto _ : state) {
    attend_group(q.data(), 0, kHeads, cache, 0, table, position, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  const double bytes = 2.0 * (position + 1) * kHeadDim * sizeof(float);
  state.counters["KV_GB_per_s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["head_positions_per_s"] = benchmark::Counter(
      static_cast<double>(position + 1) * (kHeads / kKvHeads), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace
}  // namespace boxed::inference::cpu

BENCHMARK(boxed::inference::cpu::BM_AttendGroup)->Arg(511)->Arg(4095)->Arg(16383)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(boxed::inference::cpu::BM_ReadBandwidth)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();
BENCHMARK(boxed::inference::cpu::BM_MatmulBf16)->Arg(1)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(boxed::inference::cpu::BM_DecodeTiny)->Arg(1)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(boxed::inference::cpu::BM_DecodeR1Distill1p5B)
    ->Arg(1)->Arg(64)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK_MAIN();
