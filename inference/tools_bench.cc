// `boxed bench --backend cpu|cuda` (inference/tools.h): prefill and decode speed of a backend's
// forward, the bytes a decode step reads, and the memory bandwidth measured in the same run.
//
// Method. The backend's step executor (step_backend.h) runs plans shaped as the scheduler shapes
// them. For each of `prompts` prompts of `prompt_tokens` seeded-random ids: one prefill step
// (timed), then `max_tokens` decode steps of one row per sample, all `samples` samples sharing
// the prompt's full KV blocks (as boxed samples: one prompt, S continuations; the partial last
// block is copied per sample, as copy-on-write does). A decode step is timed up to its result on
// the host: the logits (CPU), or the sampled tokens where the executor samples on the device
// (CUDA; R1 protocol sampling, temperature 0.6, top-p 0.95), whose tokens are the next inputs;
// elsewhere the inputs are seeded-random ids (speed does not depend on which ids they are, and
// the LM head runs for every row). One untimed prompt with two decode steps runs first, so
// first-use costs (allocation, CUDA graph capture) stay out of the figures.
//
// Bytes per decode step = every weight matrix and norm once, as the backend stores it (the batch
// shares each weight read) + the K/V cache each sample attends over at its mean position + the
// embedding rows; the implied bandwidth is that over the mean step time.
#include <algorithm>
#include <chrono>
#include <memory>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_reduce.h>
#include <tbb/task_arena.h>

#include "inference/model/awq.h"
#include "inference/model/model.h"
#include "inference/step_backend.h"
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

// Bytes of one tensor as the backend holds it: GGML blocks and AWQ packs as stored; dense
// matrices as stored (CPU) or bf16 (CUDA), dense vectors (norms, biases) fp32 on CUDA.
uint64_t held_bytes(const model::TensorView& t, bool dense_as_bf16) {
  if (t.awq) {
    return t.awq->qweight.size_bytes() + t.awq->qzeros.size_bytes() + t.awq->scales.size_bytes();
  }
  if (!dense_as_bf16 || model::dtype_is_quantized(t.dtype)) return t.size_bytes();
  return static_cast<uint64_t>(t.numel()) * (t.shape.size() == 2 ? 2 : 4);
}

uint64_t weight_bytes(const model::ModelWeights& w, bool dense_as_bf16) {
  uint64_t total = held_bytes(w.final_norm, dense_as_bf16) + held_bytes(w.lm_head, dense_as_bf16);
  for (const model::LayerWeights& l : w.layers) {
    for (const model::TensorView* t : {&l.input_norm, &l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj,
                                       &l.post_attention_norm, &l.gate_proj, &l.up_proj, &l.down_proj}) {
      total += held_bytes(*t, dense_as_bf16);
    }
    for (const auto* b : {&l.q_bias, &l.k_bias, &l.v_bias}) {
      if (b->has_value()) total += held_bytes(**b, dense_as_bf16);
    }
  }
  return total;
}

uint64_t embedding_row_bytes(const model::TensorView& embed, bool dense_as_bf16) {
  if (!dense_as_bf16 || model::dtype_is_quantized(embed.dtype)) return embed.row_bytes();
  return static_cast<uint64_t>(embed.shape.back()) * 2;
}

// One prompt's prefill and decode steps through the executor, over one KV pool for every prompt.
class PromptRunner {
 public:
  PromptRunner(scheduler::StepExecutor& executor, const BenchOptions& o, int32_t vocab)
      : exec_(executor), o_(o), vocab_(vocab), state_(o.seed) {
    prompt_blocks_ = (o.prompt_tokens + kBlock - 1) / kBlock;
    shared_ = o.prompt_tokens / kBlock;  // full prompt blocks, shared by every sample
    own_blocks_ = (o.prompt_tokens % kBlock + o.max_tokens + kBlock - 1) / kBlock;
    per_seq_ = shared_ + own_blocks_;
    exec_.reset_cache(prompt_blocks_ + o.samples * own_blocks_, kBlock);
  }

  // Runs one prompt with `steps` decode steps; returns {prefill seconds, decode seconds}.
  std::pair<double, double> run(int steps) {
    scheduler::StepPlan prefill;
    for (int i = 0; i < o_.prompt_tokens; ++i) {
      prefill.tokens.push_back(random_token());
      prefill.positions.push_back(i);
      prefill.rows.push_back(0);
    }
    prefill.block_tables.resize(prompt_blocks_);
    std::iota(prefill.block_tables.begin(), prefill.block_tables.end(), 0);
    prefill.max_blocks_per_row = prompt_blocks_;
    prefill.logit_indices = {o_.prompt_tokens - 1};
    std::vector<float> logits(vocab_);
    Clock::time_point start = Clock::now();
    exec_.execute(prefill, logits);
    const double prefill_s = seconds_since(start);

    scheduler::StepPlan step;
    step.max_blocks_per_row = per_seq_;
    step.block_tables.resize(static_cast<size_t>(o_.samples) * per_seq_);
    for (int s = 0; s < o_.samples; ++s) {
      const int first_own = prompt_blocks_ + s * own_blocks_;
      for (int b = 0; b < per_seq_; ++b) {
        step.block_tables[s * per_seq_ + b] = b < shared_ ? b : first_own + (b - shared_);
      }
      if (shared_ < prompt_blocks_) step.copies.push_back({.src = shared_, .dst = first_own});
      step.rows.push_back(s);
      step.logit_indices.push_back(s);
      step.tokens.push_back(random_token());
    }
    step.positions.assign(o_.samples, 0);
    const SamplingParams protocol{.temperature = 0.6f, .top_p = 0.95f};
    std::vector<scheduler::SampleRow> rows(o_.samples);
    std::vector<int32_t> sampled(o_.samples);
    std::vector<float> step_logits(exec_.samples_tokens() ? 0 : static_cast<size_t>(o_.samples) * vocab_);
    double decode_s = 0;
    for (int t = 0; t < steps; ++t) {
      for (int s = 0; s < o_.samples; ++s) {
        step.positions[s] = o_.prompt_tokens + t;
        rows[s] = {.sampling = &protocol, .seed = o_.seed + s, .position = o_.prompt_tokens + t + 1};
      }
      start = Clock::now();
      if (exec_.samples_tokens()) {
        exec_.execute_and_sample(step, rows, sampled);
      } else {
        exec_.execute(step, step_logits);
      }
      decode_s += seconds_since(start);
      step.copies.clear();  // done once, before the first step
      if (exec_.samples_tokens()) {
        step.tokens = sampled;
      } else {
        for (int32_t& token : step.tokens) token = random_token();
      }
    }
    return {prefill_s, decode_s};
  }

 private:
  static constexpr int kBlock = 16;
  int32_t random_token() { return static_cast<int32_t>(splitmix64(state_) % vocab_); }

  scheduler::StepExecutor& exec_;
  const BenchOptions& o_;
  int32_t vocab_;
  uint64_t state_;
  int prompt_blocks_ = 0, shared_ = 0, own_blocks_ = 0, per_seq_ = 0;
};

}  // namespace

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

namespace {

void check_counts(const BenchOptions& o) {
  if (o.prompts < 1 || o.samples < 1 || o.max_tokens < 1 || o.prompt_tokens < 1 || o.threads < 0) {
    throw std::invalid_argument(fmt::format(
        "bench: --prompts, --samples, --max-tokens, --prompt-tokens must be positive and --threads "
        ">= 0; found {}, {}, {}, {}, {}", o.prompts, o.samples, o.max_tokens, o.prompt_tokens, o.threads));
  }
}

void check_options(const BenchOptions& o, const model::ModelConfig& c) {
  check_counts(o);
  if (o.prompt_tokens + o.max_tokens > c.max_position_embeddings) {
    throw std::invalid_argument(fmt::format(
        "bench: --prompt-tokens + --max-tokens = {} runs past the model's context of {} positions",
        o.prompt_tokens + o.max_tokens, c.max_position_embeddings));
  }
}

}  // namespace

BenchResult bench_step_backend(StepBackend& backend, const model::Model& m, const BenchOptions& o) {
  const model::ModelConfig& c = m.config();
  check_options(o, c);
  BenchResult r{.backend = backend.name, .device = backend.device, .emulated = backend.emulated,
                .threads = tbb::this_task_arena::max_concurrency(),
                .decode_samples_on_device = backend.executor->samples_tokens()};
  PromptRunner runner(*backend.executor, o, c.vocab_size);
  runner.run(std::min(2, o.max_tokens));  // warm-up, untimed
  double prefill_s = 0, decode_s = 0;
  for (int p = 0; p < o.prompts; ++p) {
    const auto [prefill, decode] = runner.run(o.max_tokens);
    prefill_s += prefill;
    decode_s += decode;
  }
  if (backend.peak_device_bytes) r.peak_device_bytes = backend.peak_device_bytes();
  const size_t kv_bytes_per_token = backend.executor->kv_bytes_per_token();
  backend.executor.reset();  // frees device memory before the bandwidth probe allocates its own
  r.bandwidth_kind = backend.bandwidth_kind;
  r.bandwidth_bytes_per_s = backend.measure_bandwidth();

  const int64_t decode_steps = int64_t{o.prompts} * o.max_tokens;
  r.prefill_tokens_per_s = static_cast<double>(o.prompts) * o.prompt_tokens / prefill_s;
  r.decode_tokens_per_s = static_cast<double>(decode_steps) * o.samples / decode_s;
  r.mean_prefill_ms = 1e3 * prefill_s / o.prompts;
  r.mean_decode_step_ms = 1e3 * decode_s / static_cast<double>(decode_steps);
  r.weight_bytes_per_step = weight_bytes(m.weights(), backend.dense_weights_as_bf16);
  // K and V of every layer (in the executor's element type) over the mean attended length, per
  // sample.
  const double mean_len = o.prompt_tokens + (o.max_tokens + 1) / 2.0;
  r.kv_bytes_per_step = static_cast<uint64_t>(mean_len * o.samples * static_cast<double>(kv_bytes_per_token));
  r.bytes_per_decode_step =
      r.weight_bytes_per_step + r.kv_bytes_per_step +
      static_cast<uint64_t>(o.samples) *
          embedding_row_bytes(m.weights().embed_tokens, backend.dense_weights_as_bf16);
  r.implied_read_bytes_per_s = r.bytes_per_decode_step / (r.mean_decode_step_ms / 1e3);
  return r;
}

BenchResult bench_forward(const BenchOptions& o) {
  check_counts(o);  // before a model of gigabytes is loaded
  const std::unique_ptr<model::Model> m = model::Model::load(o.model);
  check_options(o, m->config());
  tbb::task_arena arena(o.threads > 0 ? o.threads : tbb::info::default_concurrency());
  return arena.execute([&] {
    StepBackend backend = make_step_backend(o.backend, *m, o.cpu_activations, o.kv_cache_dtype);
    return bench_step_backend(backend, *m, o);
  });
}

}  // namespace boxed::inference
