// The whole CUDA forward against the CPU forward on the tiny Qwen2 and Llama models
// (`boxed make-tiny-model`): logits of a two-sequence prefill and of 300 teacher-forced decode
// steps within a stated bound (one for an fp32 KV cache, which stores what the CPU cache stores,
// one for the default bf16 cache), greedy tokens identical wherever the CPU's top two logits are
// further apart than that bound, device-sampled tokens equal to the CPU sampler's on the CPU
// logits; then both engines end to end (scheduler, batching, prefix sharing, sampling).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

#include "inference/cpu/cpu_engine.h"
#include "inference/cpu/forward.h"
#include "inference/cpu/kv_cache.h"
#include "inference/cuda/attention.cuh"
#include "inference/cuda/cuda_executor.h"
#include "inference/model/model.h"
#include "inference/sampler/sampler.h"
#include "inference/tools.h"
#include "tests/inference/cuda/cuda_test_support.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

#if defined(BOXED_CUDA_EMULATE)
// Emulation: the GEMMs are the CPU's; only reduction orders in rmsnorm and attention differ.
constexpr float kLogitBound = 1e-4f;
// A bf16 KV cache rounds every K and V element by up to 2^-9 of itself: measured in emulation,
// max logit error 6.6e-3 (qwen2) and 4.2e-2 (llama) over the 301 steps.
constexpr float kBf16CacheLogitBound = 0.1f;
#else
// Device: activations rounded to bf16 for the cuBLASLt GEMMs.
constexpr float kLogitBound = 5e-2f;
constexpr float kBf16CacheLogitBound = kLogitBound + 0.1f;
#endif

class CudaForwardTest : public testing::TinyModelCudaTest,
                        public ::testing::WithParamInterface<const char*> {
 protected:
  void SetUp() override { set_up_model("cuda_forward", GetParam(), 5); }
};

int argmax(std::span<const float> v) {
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

float top2_gap(std::span<const float> v) {
  std::vector<float> c(v.begin(), v.end());
  std::partial_sort(c.begin(), c.begin() + 2, c.end(), std::greater<>());
  return c[0] - c[1];
}

void expect_the_cpu_forwards_logits(const model::Model& model, KvDtype kv_dtype, float bound) {
  const model::ModelConfig& c = model.config();
  const int block = 16, max_blocks = 40, n_seqs = 2;
  cpu::CpuForward cpu_forward(model);
  cpu::KvCache cpu_cache({.n_layers = c.n_layers, .n_kv_heads = c.n_kv_heads,
                          .head_dim = c.head_dim, .block_size_tokens = block,
                          .n_blocks = max_blocks * n_seqs});
  std::unique_ptr<scheduler::StepExecutor> device = make_executor(model, {.kv_dtype = kv_dtype});
  device->reset_cache(max_blocks * n_seqs, block);
  ASSERT_TRUE(device->samples_tokens());
  const int vocab = c.vocab_size;

  scheduler::StepPlan plan;
  plan.max_blocks_per_row = max_blocks;
  plan.block_tables.resize(max_blocks * n_seqs);
  std::iota(plan.block_tables.begin(), plan.block_tables.end(), 0);
  std::reverse(plan.block_tables.begin(), plan.block_tables.end());  // scattered blocks
  // Prefill: 24 and 9 prompt tokens.
  std::vector<int> length = {24, 9};
  for (int sq = 0; sq < n_seqs; ++sq) {
    for (int t = 0; t < length[sq]; ++t) {
      plan.tokens.push_back((37 * t + 11 * sq + 5) % vocab);
      plan.positions.push_back(t);
      plan.rows.push_back(sq);
    }
    plan.logit_indices.push_back(static_cast<int32_t>(plan.tokens.size()) - 1);
  }
  std::vector<float> want(n_seqs * vocab), got(n_seqs * vocab);
  SamplingParams sampled;
  sampled.temperature = 0.6f;
  sampled.top_p = 0.95f;
  sampler::Sampler cpu_sampler;

  float worst = 0;
  int greedy_same = 0, greedy_near_tie = 0, sampled_same = 0, sampled_rows = 0;
  for (int step = 0; step <= 300; ++step) {
    cpu_forward.run({.tokens = plan.tokens, .positions = plan.positions, .seq_ids = plan.rows,
                     .block_tables = plan.block_tables, .max_blocks_per_seq = max_blocks,
                     .logit_indices = plan.logit_indices},
                    cpu_cache, want);
    if (step % 25 == 5) {
      // Device sampling of this step's logits (the forward reruns and rewrites the same KV).
      std::vector<scheduler::SampleRow> rows;
      std::vector<int32_t> device_tokens(n_seqs);
      for (int sq = 0; sq < n_seqs; ++sq) {
        rows.push_back({.sampling = &sampled, .seed = uint64_t(1000 + sq), .position = length[sq]});
      }
      device->execute_and_sample(plan, rows, device_tokens);
      for (int sq = 0; sq < n_seqs; ++sq) {
        const int32_t cpu_token = cpu_sampler.sample(
            std::span<const float>(want).subspan(sq * vocab, vocab), sampled, 1000 + sq, length[sq]);
        sampled_same += device_tokens[sq] == cpu_token;
        ++sampled_rows;
      }
    }
    device->execute(plan, got);
    for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]));
    ASSERT_LE(worst, bound) << "step " << step;
    // Teacher forcing: both continue with the CPU's greedy token, so one near-tie cannot make
    // the rest of the comparison diverge.
    plan.tokens.clear();
    plan.positions.clear();
    plan.rows.clear();
    plan.logit_indices.clear();
    for (int sq = 0; sq < n_seqs; ++sq) {
      const auto w = std::span<const float>(want).subspan(sq * vocab, vocab);
      const auto g = std::span<const float>(got).subspan(sq * vocab, vocab);
      if (argmax(w) == argmax(g)) {
        ++greedy_same;
      } else {
        EXPECT_LT(top2_gap(w), 2 * bound) << "step " << step << ": greedy differs without a tie";
        ++greedy_near_tie;
      }
      plan.tokens.push_back(argmax(w));
      plan.positions.push_back(length[sq]++);
      plan.rows.push_back(sq);
      plan.logit_indices.push_back(sq);
    }
  }
  ::testing::Test::RecordProperty("max_abs_logit_error", std::to_string(worst));
  EXPECT_GE(greedy_same, 2 * 301 - 2) << greedy_near_tie << " near-ties";
  EXPECT_EQ(sampled_same, sampled_rows);
  std::printf("%s KV cache: max |logit error| %.3g over 301 steps x 2 sequences; greedy identical "
              "%d/%d; sampled identical %d/%d\n", kv_dtype_name(kv_dtype), worst, greedy_same,
              2 * 301, sampled_same, sampled_rows);
}

TEST_P(CudaForwardTest, LogitsGreedyAndSampledTokensAgreeWithTheCpuForward) {
  expect_the_cpu_forwards_logits(*model_, KvDtype::kF32, kLogitBound);
}

TEST_P(CudaForwardTest, WithABf16KvCacheLogitsStayWithinTheRoundingBound) {
  expect_the_cpu_forwards_logits(*model_, KvDtype::kBf16, kBf16CacheLogitBound);
}

// Bucketed decode steps (padded rows and tables, capacity-wide attention, CUDA graphs on the
// device) against plain steps in their own shapes: the same logits and sampled tokens bit for
// bit, through row counts 5 -> 3 -> 1 (buckets 8, 4, 1), one sequence growing past a table of 16
// blocks (width bucket 16 -> 32) and past the first attention split (256 positions).
TEST_P(CudaForwardTest, BucketedDecodeStepsEqualPlainStepsBitForBit) {
  const model::ModelConfig& c = model_->config();
  const int block = 16, max_blocks = 24, n_seqs = 5;
  auto bucketed = make_executor(*model_, ExecutorOptions{.bucketed_steps = true});
  auto plain = make_executor(*model_, ExecutorOptions{.bucketed_steps = false});
  for (auto* e : {bucketed.get(), plain.get()}) e->reset_cache(max_blocks * n_seqs, block);
  scheduler::StepPlan plan;
  plan.max_blocks_per_row = max_blocks;
  plan.block_tables.resize(max_blocks * n_seqs);
  std::iota(plan.block_tables.rbegin(), plan.block_tables.rend(), 0);
  std::vector<int> length(n_seqs);
  for (int sq = 0; sq < n_seqs; ++sq) {  // prefill (not bucketed: several tokens per row)
    length[sq] = sq == 0 ? 230 : 3 + 2 * sq;
    for (int t = 0; t < length[sq]; ++t) {
      plan.tokens.push_back((13 * t + 7 * sq + 1) % c.vocab_size);
      plan.positions.push_back(t);
      plan.rows.push_back(sq);
    }
    plan.logit_indices.push_back(static_cast<int32_t>(plan.tokens.size()) - 1);
  }
  SamplingParams sampled;
  sampled.temperature = 0.7f;
  sampled.top_k = 40;
  int compared = 0, sampled_steps = 0;
  for (int step = 0; step < 80; ++step) {
    const size_t rows = plan.logit_indices.size();
    std::vector<float> a(rows * c.vocab_size), b(rows * c.vocab_size);
    bucketed->execute(plan, a);
    plain->execute(plan, b);
    ASSERT_EQ(a, b) << "step " << step << ", " << rows << " rows";
    ++compared;
    if (step % 9 == 4) {  // the sampling graph of the same shape (reruns and rewrites the same KV)
      std::vector<scheduler::SampleRow> sample_rows;
      for (size_t r = 0; r < rows; ++r) {
        sample_rows.push_back({.sampling = &sampled, .seed = 50 + r, .position = length[plan.rows[r]]});
      }
      std::vector<int32_t> ta(rows), tb(rows);
      bucketed->execute_and_sample(plan, sample_rows, ta);
      plain->execute_and_sample(plan, sample_rows, tb);
      ASSERT_EQ(ta, tb) << "step " << step;
      ++sampled_steps;
    }
    // Next decode step: sequences 0..active-1, one token each, greedy from the plain logits.
    const int active = step < 20 ? 5 : step < 50 ? 3 : 1;
    std::vector<int32_t> next(active);
    for (int sq = 0; sq < active; ++sq) {
      const size_t r = std::min<size_t>(sq, rows - 1);
      next[sq] = argmax(std::span<const float>(b).subspan(r * c.vocab_size, c.vocab_size));
    }
    plan.tokens.clear();
    plan.positions.clear();
    plan.rows.clear();
    plan.logit_indices.clear();
    for (int sq = 0; sq < active; ++sq) {
      plan.tokens.push_back(next[sq]);
      plan.positions.push_back(length[sq]++);
      plan.rows.push_back(sq);
      plan.logit_indices.push_back(sq);
    }
  }
  EXPECT_EQ(compared, 80);
  EXPECT_GT(length[0], 16 * block) << "the tables never outgrew the first width bucket";
  EXPECT_GT(length[0], kSplitTokens) << "no sequence reached a second attention split";
  EXPECT_EQ(sampled_steps, 9);
}

TEST_P(CudaForwardTest, TheCudaEngineGivesTheCpuEnginesCompletions) {
  model_.reset();
  std::vector<Request> requests;
  for (int i = 0; i < 6; ++i) {
    Request r{.id = "t/" + std::to_string(i % 2) + "/" + std::to_string(i)};
    r.messages = {{.role = "user", .content = i % 2 == 0 ? "What is 2+2?" : "Name a prime."}};
    r.sampling.max_tokens = 120;
    r.sampling.temperature = i < 2 ? 0.0f : 0.6f;  // two greedy, four sampled
    r.seed = request_seed(7, r.id);
    requests.push_back(std::move(r));
  }
  const auto run = [&](cpu::CpuEngineOptions options) {
    options.model_dir = dir_.string();
    options.threads = 2;
    options.max_batch_sequences = 4;  // batches change as requests finish
    cpu::CpuEngine engine(options);
    std::map<std::string, Completion> out;
    std::mutex mutex;
    engine.generate(requests, [&](Completion done) {
      std::lock_guard lock(mutex);
      out[done.id] = std::move(done);
    });
    return out;
  };
  const auto cpu_out = run({});
  cpu::CpuEngineOptions cuda_options;
  cuda_options.make_executor = [](const model::Model& m) {
    return make_executor(m, {.kv_dtype = KvDtype::kF32});  // the CPU cache's values
  };
  cuda_options.backend_name = "cuda";
  const auto cuda_out = run(cuda_options);
  ASSERT_EQ(cpu_out.size(), requests.size());
  ASSERT_EQ(cuda_out.size(), requests.size());
  int64_t tokens = 0;
  for (const auto& [id, want] : cpu_out) {
    const Completion& got = cuda_out.at(id);
    EXPECT_EQ(got.finish_reason, want.finish_reason) << id;
    EXPECT_EQ(got.completion_tokens, want.completion_tokens) << id;
    EXPECT_EQ(got.text, want.text) << id;
    tokens += want.completion_tokens;
  }
  EXPECT_GT(tokens, 100) << "the comparison covered too few generated tokens to mean much";
}

// The engine sizes its KV pool by the bytes the executor stores per position
// (StepExecutor::kv_bytes_per_token): a budget of 12 fp32 blocks is 24 blocks of the bf16 cache.
TEST_P(CudaForwardTest, TheEnginesKvBudgetCountsTheCachesElementBytes) {
  const model::ModelConfig& c = model_->config();
  const int64_t f32_block = int64_t{2} * c.n_layers * c.n_kv_heads * c.head_dim * 16 * 4;
  model_.reset();
  std::vector<Request> requests;
  for (int i = 0; i < 16; ++i) {  // 16 sequences of 40 new tokens want more than 24 blocks
    Request r{.id = "b/" + std::to_string(i)};
    r.messages = {{.role = "user", .content = "Count to ten."}};
    r.sampling.max_tokens = 40;
    r.sampling.temperature = 0.6f;
    r.seed = request_seed(5, r.id);
    requests.push_back(std::move(r));
  }
  for (const KvDtype dtype : {KvDtype::kF32, KvDtype::kBf16}) {
    cpu::CpuEngineOptions options{.model_dir = dir_.string(), .threads = 2};
    options.make_executor = [dtype](const model::Model& m) {
      return make_executor(m, {.kv_dtype = dtype});
    };
    options.kv_cache_budget_bytes = [&] { return 12 * f32_block; };
    cpu::CpuEngine engine(options);
    int done = 0;
    engine.generate(requests, [&](const Completion& completion) {
      EXPECT_NE(completion.finish_reason, FinishReason::kError) << completion.error;
      ++done;
    });
    EXPECT_EQ(done, 16);
    EXPECT_EQ(engine.last_stats().n_blocks, dtype == KvDtype::kBf16 ? 24 : 12) << kv_dtype_name(dtype);
  }
}

INSTANTIATE_TEST_SUITE_P(TinyModels, CudaForwardTest, ::testing::Values("qwen2", "llama"));

}  // namespace
}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
