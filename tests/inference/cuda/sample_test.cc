// The device sampler (inference/cuda/sample.cuh) against the CPU sampler (sampler/sampler.h):
// the same token for the same logits, seed and position, over random rows and every filter.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "inference/cuda/sample.cuh"
#include "inference/sampler/sampler.h"
#include "tests/inference/cuda/cuda_test_support.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

using testing::CudaTest;

struct Case {
  SamplingParams params;
  const char* note;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  const auto make = [](float t, float top_p, int top_k, float min_p) {
    SamplingParams p;
    p.temperature = t;
    p.top_p = top_p;
    p.top_k = top_k;
    p.min_p = min_p;
    return p;
  };
  out.push_back({make(0, 1, 0, 0), "greedy"});
  out.push_back({make(1, 1, 0, 0), "plain softmax"});
  out.push_back({make(0.6f, 0.95f, 0, 0), "DeepSeek-R1 recommended"});
  out.push_back({make(0.7f, 0.8f, 20, 0), "Qwen recommended (top-k and top-p)"});
  out.push_back({make(1.3f, 1, 5, 0), "top-k only"});
  out.push_back({make(0.9f, 1, 0, 0.05f), "min-p only"});
  out.push_back({make(0.5f, 0.3f, 50, 0.1f), "all filters"});
  out.push_back({make(2.0f, 0.999f, 0, 0), "flat distribution, top-p near 1"});
  return out;
}

TEST_F(CudaTest, SampledTokensEqualTheCpuSamplersForTheSameLogitsSeedAndPosition) {
  const int vocab = 3001;  // odd: chunks of the draw do not divide it
  const int rows_per_case = 24;
  std::mt19937 rng(11);
  std::normal_distribution<float> logit(0.0f, 3.0f);
  sampler::Sampler cpu;
  int compared = 0, distinct_tokens = 0;
  for (const Case& c : cases()) {
    std::vector<float> logits(static_cast<size_t>(rows_per_case) * vocab);
    for (float& l : logits) l = logit(rng);
    // Hard rows: ties on the maximum, a NaN, -inf entries, one dominant token.
    logits[5] = logits[17] = logits[2999] = 40.0f;
    logits[vocab + 3] = std::numeric_limits<float>::quiet_NaN();
    for (int i = 0; i < 100; ++i) logits[2 * vocab + i] = -INFINITY;
    logits[3 * vocab + 7] = 1e4f;
    std::vector<SampleParams> params(rows_per_case);
    std::vector<int32_t> want(rows_per_case);
    for (int r = 0; r < rows_per_case; ++r) {
      const uint64_t seed = 0x9e3779b97f4a7c15ull * (r + 1) + compared;
      const int64_t position = 17 + 1000 * r;
      params[r] = SampleParams{.temperature = c.params.temperature, .top_k = c.params.top_k,
                               .top_p = c.params.top_p, .min_p = c.params.min_p, .seed = seed,
                               .position = position};
      want[r] = cpu.sample(std::span<const float>(logits).subspan(size_t(r) * vocab, vocab),
                           c.params, seed, position);
    }
    DeviceBuffer d_logits = upload(logits), d_params = upload(params),
                 weights(logits.size() * sizeof(double)), tokens(rows_per_case * 4);
    sample(s(), d_logits.as<float>(), rows_per_case, vocab, d_params.as<SampleParams>(),
           weights.as<double>(), tokens.as<int32_t>());
    const auto got = download<int32_t>(tokens, rows_per_case);
    for (int r = 0; r < rows_per_case; ++r) {
      EXPECT_EQ(got[r], want[r]) << c.note << ", row " << r;
      ++compared;
    }
    std::vector<int32_t> sorted = want;
    std::sort(sorted.begin(), sorted.end());
    distinct_tokens += static_cast<int>(std::unique(sorted.begin(), sorted.end()) - sorted.begin());
  }
  // The rows really were sampled (not all greedy): many distinct tokens came out.
  EXPECT_GT(distinct_tokens, 60);
  EXPECT_EQ(compared, static_cast<int>(cases().size()) * rows_per_case);
}

TEST_F(CudaTest, TheDrawFollowsTheSeedAndThePosition) {
  const int vocab = 64;
  std::vector<float> logits(vocab, 0.0f);  // uniform: the token is fixed by u alone
  SamplingParams p;
  p.temperature = 1;
  p.top_p = 1;
  std::vector<SampleParams> params;
  std::vector<int32_t> want;
  sampler::Sampler cpu;
  for (int i = 0; i < 32; ++i) {
    params.push_back({.temperature = 1, .top_k = 0, .top_p = 1, .min_p = 0,
                      .seed = static_cast<uint64_t>(i % 4), .position = i / 4});
    want.push_back(cpu.sample(logits, p, params.back().seed, params.back().position));
  }
  std::vector<float> all;
  for (int i = 0; i < 32; ++i) all.insert(all.end(), logits.begin(), logits.end());
  DeviceBuffer d_logits = upload(all), d_params = upload(params), weights(all.size() * 8),
               tokens(32 * 4);
  sample(s(), d_logits.as<float>(), 32, vocab, d_params.as<SampleParams>(), weights.as<double>(),
         tokens.as<int32_t>());
  EXPECT_EQ(download<int32_t>(tokens, 32), want);
}

}  // namespace
}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
