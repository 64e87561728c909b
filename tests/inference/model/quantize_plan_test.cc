// The tensor types `boxed quantize` chooses (inference/model/quantize_plan.h) against the rules
// of llama.cpp's llama-quantize (src/llama-quant.cpp). quantize_real_test.cc checks them against
// the types of a real file llama-quantize wrote.
#include <set>

#include <gtest/gtest.h>

#include "inference/model/quantize_plan.h"

namespace boxed::inference::model {
namespace {

DType plan(std::string_view scheme, const std::string& name, std::vector<int64_t> shape, int n_layers = 24,
           bool has_output = true) {
  const QuantScheme* s = find_quant_scheme(scheme);
  EXPECT_NE(s, nullptr) << scheme;
  return plan_tensor_type(*s, name, shape, {.n_layers = n_layers, .has_output_tensor = has_output}).dtype;
}

TEST(QuantizePlan, MoreBitsLayersAreLlamaQuantizes) {
  // use_more_bits for 24 layers: the first and last 3, and every third from layer 5.
  std::set<int> more;
  for (int i = 0; i < 24; ++i) {
    if (uses_more_bits(i, 24)) more.insert(i);
  }
  EXPECT_EQ(more, (std::set<int>{0, 1, 2, 5, 8, 11, 14, 17, 20, 21, 22, 23}));
}

TEST(QuantizePlan, Q4KMMixture) {
  const std::vector<int64_t> sq = {1024, 1024};
  EXPECT_EQ(plan("q4_k_m", "blk.0.attn_v.weight", sq), DType::kQ6_K);
  EXPECT_EQ(plan("q4_k_m", "blk.3.attn_v.weight", sq), DType::kQ4_K);
  EXPECT_EQ(plan("q4_k_m", "blk.5.ffn_down.weight", sq), DType::kQ6_K);
  EXPECT_EQ(plan("q4_k_m", "blk.6.ffn_down.weight", sq), DType::kQ4_K);
  EXPECT_EQ(plan("q4_k_m", "blk.5.attn_q.weight", sq), DType::kQ4_K);  // only attn_v and ffn_down
  EXPECT_EQ(plan("q4_k_m", "output.weight", sq), DType::kQ6_K);
  EXPECT_EQ(plan("q4_k_m", "token_embd.weight", sq), DType::kQ4_K);
  // Tied embeddings: token_embd is the output tensor.
  EXPECT_EQ(plan("q4_k_m", "token_embd.weight", sq, 24, /*has_output=*/false), DType::kQ6_K);
}

TEST(QuantizePlan, OutputTensorRuleOfTheOtherSchemes) {
  const std::vector<int64_t> sq = {512, 512};
  EXPECT_EQ(plan("q4_0", "output.weight", sq), DType::kQ6_K);
  EXPECT_EQ(plan("q4_0", "blk.0.ffn_down.weight", sq), DType::kQ4_0);
  EXPECT_EQ(plan("q8_0", "output.weight", sq), DType::kQ8_0);
  EXPECT_EQ(plan("q6_k", "output.weight", sq), DType::kQ6_K);
  // Pure schemes: everything in one type.
  EXPECT_EQ(plan("q4_k", "output.weight", sq), DType::kQ4_K);
  EXPECT_EQ(plan("q4_k", "blk.0.attn_v.weight", sq), DType::kQ4_K);
  EXPECT_EQ(plan("q5_k", "blk.0.ffn_down.weight", sq), DType::kQ5_K);
}

TEST(QuantizePlan, FallbacksForRowsThatAreNotWholeBlocks) {
  EXPECT_EQ(plan("q4_k", "blk.0.attn_q.weight", {896, 896}), DType::kQ5_0);
  EXPECT_EQ(plan("q5_k", "blk.0.attn_q.weight", {896, 896}), DType::kQ5_1);
  EXPECT_EQ(plan("q6_k", "blk.0.attn_q.weight", {896, 896}), DType::kQ8_0);
  EXPECT_EQ(plan("q4_k_m", "output.weight", {151936, 896}), DType::kQ8_0);
  EXPECT_EQ(plan("q4_k_m", "blk.0.attn_v.weight", {128, 896}), DType::kQ8_0);  // Q6_K, then fallback
  EXPECT_EQ(plan("q4_k_m", "blk.3.attn_v.weight", {128, 896}), DType::kQ5_0);
  // Not even 32-blocks: F16, as llama.cpp does.
  EXPECT_EQ(plan("q4_k_m", "blk.0.ffn_up.weight", {100, 48}), DType::kF16);
  EXPECT_EQ(plan("q8_0", "blk.0.ffn_up.weight", {100, 48}), DType::kF16);
}

TEST(QuantizePlan, OneDimensionalTensorsAndNormsStayF32) {
  for (const char* scheme : {"f16", "bf16", "q8_0", "q4_k_m"}) {
    EXPECT_EQ(plan(scheme, "blk.0.attn_norm.weight", {896}), DType::kF32) << scheme;
    EXPECT_EQ(plan(scheme, "blk.0.attn_q.bias", {896}), DType::kF32) << scheme;
    EXPECT_EQ(plan(scheme, "output_norm.weight", {896}), DType::kF32) << scheme;
  }
  EXPECT_EQ(plan("f16", "blk.0.attn_q.weight", {896, 896}), DType::kF16);
  EXPECT_EQ(plan("bf16", "token_embd.weight", {1000, 896}), DType::kBF16);
  EXPECT_EQ(find_quant_scheme("q3_k"), nullptr);
}

}  // namespace
}  // namespace boxed::inference::model
