// `boxed bench --backend cpu` (inference/tools.h): prefill and decode speed of the CPU forward,
// the bytes a decode step reads, and the machine's read bandwidth measured in the same run.
//
// Method. For each of `prompts` prompts of `prompt_tokens` seeded-random ids: one prefill batch
// (timed), then `max_tokens` decode steps of one batch of `samples` tokens, one per sample,
// all samples sharing the prompt's KV blocks (as boxed samples: one prompt, S continuations).
// Decode tokens are seeded-random ids, not sampled: speed does not depend on which ids they are,
// and the LM head still runs for every row. Bytes per decode step = every weight matrix and norm
// once (the batch shares each weight read) + the K/V cache each sample attends over at its mean
// position + the embedding rows; the implied bandwidth is that over the mean step time.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>
#include <tbb/task_arena.h>

#include "inference/cpu/forward.h"
#include "inference/model/model.h"
#include "inference/tools.h"

namespace boxed::inference {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Read bandwidth: a parallel sum over 512 MiB, far larger than the caches, best of 3 passes.
double measure_read_bytes_per_s(size_t bytes) {
  std::vector<uint64_t> buffer(bytes / sizeof(uint64_t));
  std::iota(buffer.begin(), buffer.end(), uint64_t{1});  // touch every page
  double best = 0;
  for (int pass = 0; pass < 3; ++pass) {
    const Clock::time_point start = Clock::now();
    const uint64_t sum = tbb::parallel_reduce(
        tbb::blocked_range<size_t>(0, buffer.size(), 1 << 16), uint64_t{0},
        [&](const tbb::blocked_range<size_t>& r, uint64_t acc) {
          for (size_t i = r.begin(); i < r.end(); ++i) acc += buffer[i];
          return acc;
        },
        [](uint64_t a, uint64_t b) { return a + b; });
    const double s = seconds_since(start);
    if (sum == 0) throw std::logic_error("bandwidth probe: impossible sum");  // keeps the loop
    best = std::max(best, static_cast<double>(bytes) / s);
  }
  return best;
}

uint64_t weight_bytes(const model::ModelWeights& w) {
  uint64_t total = w.final_norm.size_bytes() + w.lm_head.size_bytes();
  for (const model::LayerWeights& l : w.layers) {
    for (const model::TensorView* t : {&l.input_norm, &l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj,
                                       &l.post_attention_norm, &l.gate_proj, &l.up_proj, &l.down_proj}) {
      total += t->size_bytes();
    }
    for (const auto* b : {&l.q_bias, &l.k_bias, &l.v_bias}) {
      if (b->has_value()) total += (*b)->size_bytes();
    }
  }
  return total;
}

}  // namespace

BenchResult bench_cpu(const BenchOptions& o) {
  if (o.prompts < 1 || o.samples < 1 || o.max_tokens < 1 || o.prompt_tokens < 1 || o.threads < 0) {
    throw std::invalid_argument(fmt::format(
        "bench: --prompts, --samples, --max-tokens, --prompt-tokens must be positive and --threads "
        ">= 0; found {}, {}, {}, {}, {}", o.prompts, o.samples, o.max_tokens, o.prompt_tokens, o.threads));
  }
  const std::unique_ptr<model::Model> m = model::Model::load(o.model);
  const model::ModelConfig& c = m->config();
  const int threads = o.threads > 0 ? o.threads : tbb::info::default_concurrency();
  tbb::task_arena arena(threads);

  constexpr int kBlock = 16;
  const int prompt_blocks = (o.prompt_tokens + kBlock - 1) / kBlock;
  // Each sample's own blocks start after the prompt's (the last prompt block is copied per sample
  // when the prompt does not fill it, as copy-on-write would).
  const int shared = o.prompt_tokens / kBlock;  // full prompt blocks, shared by every sample
  const int own_blocks = (o.prompt_tokens % kBlock + o.max_tokens + kBlock - 1) / kBlock;
  const int per_seq = shared + own_blocks;
  cpu::KvCache cache({.n_layers = c.n_layers, .n_kv_heads = c.n_kv_heads, .head_dim = c.head_dim,
                      .block_size_tokens = kBlock, .n_blocks = prompt_blocks + o.samples * own_blocks});
  cpu::CpuForward forward(*m);
  BenchResult r{.threads = threads};
  uint64_t state = o.seed;
  const auto random_token = [&] { return static_cast<int32_t>(splitmix64(state) % c.vocab_size); };

  double prefill_s = 0, decode_s = 0;
  int64_t decode_steps = 0;
  arena.execute([&] {
    for (int p = 0; p < o.prompts; ++p) {
      // Prefill: sequence 0 over the shared prompt blocks 0..prompt_blocks-1.
      std::vector<int32_t> tokens(o.prompt_tokens), positions(o.prompt_tokens), seq(o.prompt_tokens, 0);
      for (int i = 0; i < o.prompt_tokens; ++i) {
        tokens[i] = random_token();
        positions[i] = i;
      }
      std::vector<int32_t> prompt_table(prompt_blocks);
      std::iota(prompt_table.begin(), prompt_table.end(), 0);
      const std::vector<int32_t> last = {o.prompt_tokens - 1};
      std::vector<float> logits(c.vocab_size);
      Clock::time_point start = Clock::now();
      forward.run({.tokens = tokens, .positions = positions, .seq_ids = seq,
                   .block_tables = prompt_table, .max_blocks_per_seq = prompt_blocks,
                   .logit_indices = last},
                  cache, logits);
      prefill_s += seconds_since(start);

      // Decode: S samples share the full prompt blocks and own the rest.
      std::vector<int32_t> table(static_cast<size_t>(o.samples) * per_seq, 0);
      for (int s = 0; s < o.samples; ++s) {
        for (int b = 0; b < per_seq; ++b) {
          table[s * per_seq + b] = b < shared ? b : prompt_blocks + s * own_blocks + (b - shared);
        }
        if (shared < prompt_blocks) cache.copy_block(shared, prompt_blocks + s * own_blocks);
      }
      std::vector<int32_t> step_tokens(o.samples), step_pos(o.samples), step_seq(o.samples), want(o.samples);
      std::iota(step_seq.begin(), step_seq.end(), 0);
      std::iota(want.begin(), want.end(), 0);
      std::vector<float> step_logits(static_cast<size_t>(o.samples) * c.vocab_size);
      for (int t = 0; t < o.max_tokens; ++t) {
        for (int s = 0; s < o.samples; ++s) {
          step_tokens[s] = random_token();
          step_pos[s] = o.prompt_tokens + t;
        }
        start = Clock::now();
        forward.run({.tokens = step_tokens, .positions = step_pos, .seq_ids = step_seq,
                     .block_tables = table, .max_blocks_per_seq = per_seq, .logit_indices = want},
                    cache, step_logits);
        decode_s += seconds_since(start);
        ++decode_steps;
      }
    }
    r.machine_read_bytes_per_s = measure_read_bytes_per_s(size_t{512} << 20);
  });

  r.prefill_tokens_per_s = static_cast<double>(o.prompts) * o.prompt_tokens / prefill_s;
  r.decode_tokens_per_s = static_cast<double>(decode_steps) * o.samples / decode_s;
  r.mean_prefill_ms = 1e3 * prefill_s / o.prompts;
  r.mean_decode_step_ms = 1e3 * decode_s / static_cast<double>(decode_steps);
  r.weight_bytes_per_step = weight_bytes(m->weights());
  // K and V (fp32) of every layer over the mean attended length, per sample.
  const double mean_len = o.prompt_tokens + (o.max_tokens + 1) / 2.0;
  r.kv_bytes_per_step = static_cast<uint64_t>(mean_len * o.samples * c.n_layers * 2.0 * c.n_kv_heads *
                                              c.head_dim * sizeof(float));
  r.bytes_per_decode_step = r.weight_bytes_per_step + r.kv_bytes_per_step +
                            static_cast<uint64_t>(o.samples) * m->weights().embed_tokens.row_bytes();
  r.implied_read_bytes_per_s = r.bytes_per_decode_step / (r.mean_decode_step_ms / 1e3);
  return r;
}

}  // namespace boxed::inference
