// The whole CUDA forward on the real GGUF models of ../shared/models/fetch.sh (label `model`;
// skips without the files), weights kept in their blocks on the device (quant_matmul.cuh),
// against the CPU forward over the same blocks: with an fp32 KV cache (the CPU cache's values),
// logits of a prefill of real text and of teacher-forced decode steps within a stated bound,
// greedy tokens identical wherever the CPU's top two logits are further apart than that bound;
// with the default bf16 cache, the distributions' divergence from the CPU's and the top-1
// agreement; then the CUDA engine gives the CPU engine's greedy completions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

#include "inference/cpu/cpu_engine.h"
#include "inference/cpu/forward.h"
#include "inference/cpu/kv_cache.h"
#include "inference/cuda/cuda_executor.h"
#include "inference/model/model.h"
#include "inference/tokenizer/tokenizer.h"
#include "tests/inference/cuda/cuda_test_support.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

namespace fs = std::filesystem;

// Both sides sum fp32 products of the same dequantised weights in different orders (cpu::dot's
// 16 lanes against the kernel's per-lane chunks), through 24-30 layers. Measured in emulation:
// 2.8e-5 (SmolLM2) and 1.3e-5 (Qwen2.5 0.5B).
#if defined(BOXED_CUDA_EMULATE)
constexpr float kLogitBound = 2e-4f;
#else
// The device runs the same kernel sources (fp32, no bf16 rounding on this path) but its own
// expf and FMA contractions in attention and norms; not yet measured on a GPU.
constexpr float kLogitBound = 2e-3f;
#endif

// A MATH-500-style problem as the text every step conditions on.
constexpr const char* kText =
    "Let $f(x) = 2x^2 - 3x + 1$. Find the sum of all real numbers $x$ such that $f(f(x)) = 0$. "
    "Express your answer as a common fraction.";

fs::path model_path(const std::string& file) {
  const char* env = std::getenv("BOXED_MODELS_DIR");
  const char* home = std::getenv("HOME");
  const fs::path dir = env ? fs::path(env) : fs::path(home ? home : "/root") / ".cache/boxed-models";
  return dir / file;
}

int argmax(std::span<const float> v) {
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

float top2_gap(std::span<const float> v) {
  std::vector<float> c(v.begin(), v.end());
  std::partial_sort(c.begin(), c.begin() + 2, c.end(), std::greater<>());
  return c[0] - c[1];
}

class GgufCudaForwardTest : public testing::CudaTest,
                            public ::testing::WithParamInterface<const char*> {
 protected:
  void SetUp() override {
    testing::CudaTest::SetUp();
    if (IsSkipped()) return;
    path_ = model_path(GetParam());
    if (!fs::exists(path_)) GTEST_SKIP() << path_ << " is absent (run ../shared/models/fetch.sh)";
    model_ = model::Model::load(path_);
  }

  fs::path path_;
  std::unique_ptr<model::Model> model_;
};

// KL(softmax(p_logits) ‖ softmax(q_logits)) in nats.
double kl_divergence(std::span<const float> p_logits, std::span<const float> q_logits) {
  const auto log_softmax = [](std::span<const float> v) {
    const float m = *std::max_element(v.begin(), v.end());
    double z = 0;
    for (const float x : v) z += std::exp(static_cast<double>(x) - m);
    std::vector<double> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = static_cast<double>(v[i]) - m - std::log(z);
    return out;
  };
  const std::vector<double> lp = log_softmax(p_logits), lq = log_softmax(q_logits);
  double kl = 0;
  for (size_t i = 0; i < lp.size(); ++i) kl += std::exp(lp[i]) * (lp[i] - lq[i]);
  return kl;
}

struct Agreement {
  float worst_abs = 0;  // largest |device − CPU| logit
  double mean_kl = 0, max_kl = 0;
  int greedy_same = 0, rows = 0;
  int greedy_differs_without_tie = 0;  // top-1 differs though the CPU's top two are > `tie` apart
};

// A prefill of kText, then `steps` decode steps teacher-forced with the CPU's greedy token, on
// the CPU forward and on the device executor with `kv_dtype`; the last position's logits of
// every step compared.
Agreement compare_with_the_cpu_forward(const model::Model& model, const fs::path& path,
                                       KvDtype kv_dtype, float tie) {
  const model::ModelConfig& c = model.config();
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(path.string());
  std::vector<int32_t> tokens = tok.encode(kText, false);
  const int block = 16, max_blocks = 8, steps = 16;
  EXPECT_LT(static_cast<int>(tokens.size()) + steps, block * max_blocks);
  cpu::CpuForward cpu_forward(model);
  cpu::KvCache cpu_cache({.n_layers = c.n_layers, .n_kv_heads = c.n_kv_heads,
                          .head_dim = c.head_dim, .block_size_tokens = block,
                          .n_blocks = max_blocks});
  std::unique_ptr<scheduler::StepExecutor> device = make_executor(model, {.kv_dtype = kv_dtype});
  device->reset_cache(max_blocks, block);

  scheduler::StepPlan plan;
  plan.max_blocks_per_row = max_blocks;
  plan.block_tables.resize(max_blocks);
  std::iota(plan.block_tables.rbegin(), plan.block_tables.rend(), 0);  // scattered blocks
  for (size_t t = 0; t < tokens.size(); ++t) {
    plan.tokens.push_back(tokens[t]);
    plan.positions.push_back(static_cast<int32_t>(t));
    plan.rows.push_back(0);
  }
  plan.logit_indices = {static_cast<int32_t>(tokens.size()) - 1};
  int position = static_cast<int>(tokens.size());
  std::vector<float> want(c.vocab_size), got(c.vocab_size);
  Agreement a;
  for (int step = 0; step <= steps; ++step) {
    cpu_forward.run({.tokens = plan.tokens, .positions = plan.positions, .seq_ids = plan.rows,
                     .block_tables = plan.block_tables, .max_blocks_per_seq = max_blocks,
                     .logit_indices = plan.logit_indices},
                    cpu_cache, want);
    device->execute(plan, got);
    for (size_t i = 0; i < got.size(); ++i) a.worst_abs = std::max(a.worst_abs, std::fabs(got[i] - want[i]));
    const double kl = kl_divergence(want, got);
    a.mean_kl += kl;
    a.max_kl = std::max(a.max_kl, kl);
    ++a.rows;
    if (argmax(want) == argmax(got)) {
      ++a.greedy_same;
    } else if (top2_gap(want) >= tie) {
      ++a.greedy_differs_without_tie;
    }
    // Teacher forcing with the CPU's greedy token.
    plan.tokens = {argmax(want)};
    plan.positions = {position++};
    plan.rows = {0};
    plan.logit_indices = {0};
  }
  a.mean_kl /= a.rows;
  std::printf("%s, %s KV cache: max |logit error| %.3g, KL mean %.3g max %.3g nats over a "
              "%zu-token prefill and %d steps; greedy identical %d/%d\n",
              path.filename().c_str(), kv_dtype_name(kv_dtype), a.worst_abs, a.mean_kl, a.max_kl,
              tokens.size(), steps, a.greedy_same, a.rows);
  return a;
}

TEST_P(GgufCudaForwardTest, LogitsAndGreedyTokensAgreeWithTheCpuForward) {
  const Agreement a = compare_with_the_cpu_forward(*model_, path_, KvDtype::kF32, 2 * kLogitBound);
  RecordProperty("max_abs_logit_error", std::to_string(a.worst_abs));
  EXPECT_LE(a.worst_abs, kLogitBound);
  EXPECT_EQ(a.greedy_differs_without_tie, 0);
  EXPECT_GE(a.greedy_same, a.rows - 1);  // at most one near-tie
}

// The bf16 cache's rounding (up to 2^-9 of every K and V element) as the distributions see it.
// Measured in emulation: KL mean 3.1e-6 (SmolLM2) and 1.8e-5 (Qwen2.5 0.5B) nats, max 1.4e-5 and
// 1.2e-4; logits within 0.11 and 0.096; greedy 17/17 — about a hundredth of the divergence of the
// CPU's int8 activations (cpu/quant_dot_q8.h: 3.4e-3 and 3.5e-4).
TEST_P(GgufCudaForwardTest, WithABf16KvCacheTheDistributionsStayClose) {
  // A top-1 change counts against the cache when the CPU's top two are further apart than twice
  // the largest logit error measured.
  const Agreement a = compare_with_the_cpu_forward(*model_, path_, KvDtype::kBf16, 0.25f);
  RecordProperty("mean_kl", std::to_string(a.mean_kl));
  EXPECT_LE(a.mean_kl, 1e-4);
  EXPECT_LE(a.max_kl, 1e-3);
  EXPECT_EQ(a.greedy_differs_without_tie, 0);
  EXPECT_GE(a.greedy_same, a.rows - 1);
}

TEST_P(GgufCudaForwardTest, TheCudaEngineGivesTheCpuEnginesGreedyCompletions) {
  model_.reset();
  std::vector<Request> requests;
  for (int i = 0; i < 2; ++i) {
    Request r{.id = "g/" + std::to_string(i)};
    r.messages = {{.role = "user", .content = i == 0 ? "What is 7 times 8?" : "Name a prime."}};
    r.sampling.max_tokens = 16;
    r.sampling.temperature = 0.0f;
    r.seed = request_seed(3, r.id);
    requests.push_back(std::move(r));
  }
  const auto run = [&](cpu::CpuEngineOptions options) {
    options.model_dir = path_.string();
    options.threads = 2;
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
  for (const auto& [id, want] : cpu_out) {
    const Completion& got = cuda_out.at(id);
    EXPECT_EQ(got.text, want.text) << id;
    EXPECT_EQ(got.completion_tokens, want.completion_tokens) << id;
    EXPECT_EQ(got.finish_reason, want.finish_reason) << id;
  }
}

INSTANTIATE_TEST_SUITE_P(RealModels, GgufCudaForwardTest,
                         ::testing::Values("smollm2-135m-instruct-q4_1.gguf",
                                           "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"),
                         [](const auto& info) {
                           return std::string(info.param).find("qwen") == 0 ? "qwen2_0_5b_q4_k_m"
                                                                            : "smollm2_135m_q4_1";
                         });

}  // namespace
}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
