// The tensor types `boxed quantize` chooses (inference/model/quantize_plan.h) against the rules
// of llama.cpp's llama-quantize (src/llama-quant.cpp). quantize_real_test.cc checks them against
// the types of a real file llama-quantize wrote.
#include <set>

#include <gtest/gtest.h>

#include "inference/model/quantize_plan.h"

namespace boxed::inference::model {
namespace {

// The type of `name` in a 24-layer model whose other tensors are blk.N.attn_v.weight and
// blk.N.ffn_down.weight in layer order, and output.weight when has_output.
DType plan(std::string_view scheme, const std::string& name, std::vector<int64_t> shape, bool has_output = true) {
  const QuantScheme* s = find_quant_scheme(scheme);
  EXPECT_NE(s, nullptr) << scheme;
  std::vector<PlanTensor> tensors;
  size_t at = 0;
  for (int i = 0; i < 24; ++i) {
    for (const char* part : {"attn_v", "ffn_down"}) {
      const std::string n = "blk." + std::to_string(i) + "." + part + ".weight";
      if (n == name) at = tensors.size();
      tensors.push_back({n, n == name ? shape : std::vector<int64_t>{256, 256}});
    }
  }
  if (!name.starts_with("blk.") || !(name.ends_with("attn_v.weight") || name.ends_with("ffn_down.weight"))) {
    at = tensors.size();
    tensors.push_back({name, shape});
  }
  if (has_output && name != "output.weight") tensors.push_back({"output.weight", {256, 256}});
  return plan_tensor_types(*s, tensors, 24)[at].dtype;
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
  EXPECT_EQ(plan("q4_k_m", "token_embd.weight", sq, /*has_output=*/false), DType::kQ6_K);
}

TEST(QuantizePlan, MoreBitsCountsTensorsInFileOrderAsLlamaCppDoes) {
  // Stored alphabetically (blk.0, blk.1, blk.10, ...): the third attn_v is blk.10's.
  std::vector<PlanTensor> tensors;
  for (const char* layer : {"0", "1", "10", "11", "2", "3", "4", "5", "6", "7", "8", "9"}) {
    tensors.push_back({std::string("blk.") + layer + ".attn_v.weight", {256, 256}});
  }
  const std::vector<PlannedType> p = plan_tensor_types(*find_quant_scheme("q4_k_m"), tensors, 12);
  // use_more_bits(i, 12): i < 1, i >= 10, (i - 1) % 3 == 2 -> i in {0, 3, 6, 9, 10, 11}.
  std::vector<std::string> q6k;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i].dtype == DType::kQ6_K) q6k.push_back(tensors[i].name);
  }
  EXPECT_EQ(q6k, (std::vector<std::string>{"blk.0.attn_v.weight", "blk.11.attn_v.weight", "blk.4.attn_v.weight",
                                          "blk.7.attn_v.weight", "blk.8.attn_v.weight", "blk.9.attn_v.weight"}));
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
