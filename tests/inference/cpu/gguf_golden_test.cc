// The CPU forward on the real GGUF models against transformers (label `model`; skips without the
// files from ../shared/models/fetch.sh): tests/data/golden/gguf/<model>.json, written by
// tools/golden/make_gguf_golden.py, holds transformers' float32 logits (GGUF dequantised by the
// `gguf` package, eager attention) over the first 300 tokens of math500 text — per position the
// 20 best ids and 16 fixed ids. boxed runs the same ids through its own forward on the quantized
// blocks and must agree within 1e-3 everywhere.
#include <cmath>
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "inference/tools.h"

namespace boxed::inference {
namespace {

// The bound for "the same dequantised weights, float arithmetic" (the safetensors CPU
// core is at about 2e-5 against transformers).
constexpr double kMaxAbsDifference = 1e-3;

std::filesystem::path models_dir() {
  const char* env = std::getenv("BOXED_MODELS_DIR");
  if (env != nullptr) return env;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : "/root") / ".cache/boxed-models";
}

std::filesystem::path source_dir() {
  const char* root = std::getenv("BOXED_SOURCE_DIR");
  return root ? root : BOXED_SOURCE_DIR_PATH;
}

class GgufGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufGolden, LogitsMatchTransformers) {
  const std::filesystem::path model = models_dir() / (GetParam() + ".gguf");
  if (!std::filesystem::exists(model)) GTEST_SKIP() << model << " is absent (run ../shared/models/fetch.sh)";
  std::ifstream in(source_dir() / "tests/data/golden/gguf" / (GetParam() + ".json"));
  ASSERT_TRUE(in) << "golden missing: run tools/golden/make_gguf_golden.py";
  const nlohmann::json golden = nlohmann::json::parse(in);
  const std::vector<int32_t> tokens = golden["tokens"].get<std::vector<int32_t>>();
  const std::vector<int32_t> fixed = golden["fixed_ids"].get<std::vector<int32_t>>();
  ASSERT_EQ(tokens.size(), golden["positions"].size());

  double max_diff = 0;
  int worst_position = -1;
  int top1_agree = 0;
  token_logits(model.string(), tokens, /*all_positions=*/true,
               [&](int p, std::span<const float> logits) {
                 const nlohmann::json& g = golden["positions"][p];
                 const auto check = [&](int32_t id, double expected) {
                   const double d = std::fabs(logits[id] - expected);
                   if (d > max_diff) {
                     max_diff = d;
                     worst_position = p;
                   }
                 };
                 const std::vector<int32_t> top = g["top_ids"].get<std::vector<int32_t>>();
                 for (size_t k = 0; k < top.size(); ++k) check(top[k], g["top_logits"][k].get<double>());
                 for (size_t k = 0; k < fixed.size(); ++k) check(fixed[k], g["fixed_logits"][k].get<double>());
                 const auto best = std::max_element(logits.begin(), logits.end()) - logits.begin();
                 if (best == top[0]) ++top1_agree;
               });
  std::printf("%s: max abs logit difference %.3g (position %d) over %zu positions; top-1 %d/%zu\n",
              GetParam().c_str(), max_diff, worst_position, tokens.size(), top1_agree, tokens.size());
  EXPECT_LE(max_diff, kMaxAbsDifference) << "worst at position " << worst_position;
}

INSTANTIATE_TEST_SUITE_P(RealModels, GgufGolden,
                         ::testing::Values("smollm2-135m-instruct-q4_1",
                                           "qwen2.5-coder-0.5b-instruct-q4_k_m"));

}  // namespace
}  // namespace boxed::inference
