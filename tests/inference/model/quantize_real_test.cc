// boxed quantize on real weights (label `model`; skip when ~/.cache/boxed-models lacks the files):
// - the q4_k_m plan on the tensors of Qwen2.5-Coder-0.5B Q4_K_M, in its file order, is that
//   file's types (written by llama-quantize), tensor for tensor;
// - re-encoding a real Q8_0 or Q5_0 tensor of Qwen2.5-Coder-0.5B (written by llama-quantize) into
//   its own type gives back exactly its values: the encoder finds the very grid it was on;
// - every type on the dequantised values of real tensors: the squared error is not above the
//   plain reference encoding's (tests/inference/model/quantize_reference.h);
// - SmolLM2-135M (Q4_1) re-quantized to Q8_0 as a whole model: its logits equal its dequantised
//   twin's and agree in top-1 with the source file's, and its tokenizer gives the same ids.
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "inference/model/gguf_file.h"
#include "inference/model/quant/dequantize.h"
#include "inference/model/quant/quantize.h"
#include "inference/model/quantize_plan.h"
#include "inference/tokenizer/tokenizer.h"
#include "inference/tools.h"
#include "tests/inference/model/dequant_golden.h"
#include "tests/inference/model/quantize_reference.h"
#include "tests/inference/model/scratch_dir.h"

namespace boxed::inference::model {
namespace {

namespace fs = std::filesystem;

fs::path qwen() { return testing::models_dir() / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"; }
fs::path smollm() { return testing::models_dir() / "smollm2-135m-instruct-q4_1.gguf"; }

// The first `max_rows` rows of a tensor, dequantised.
std::vector<float> real_values(const GgufFile& f, const std::string& name, int64_t max_rows, DType* stored) {
  const TensorView v = f.tensor_view(name);
  const int64_t cols = v.shape.back();
  const int64_t rows = std::min<int64_t>(max_rows, v.numel() / cols);
  std::vector<float> out(static_cast<size_t>(rows * cols));
  quant::dequantize_row(v.dtype, v.data, rows * cols, out.data());
  if (stored) *stored = v.dtype;
  return out;
}


// The real Q4_K_M file was written by llama-quantize; boxed's plan for q4_k_m on its
// tensor names and shapes is its types, tensor for tensor.
TEST(QuantizeReal, PlanReproducesLlamaQuantizesQ4KMTypes) {
  if (!fs::exists(qwen())) GTEST_SKIP() << qwen() << " absent (../shared/models/fetch.sh)";
  const GgufFile f = GgufFile::open(qwen(), GgufFile::Mode::kHeaderOnly);
  ASSERT_EQ(f.get_u32("general.file_type"), 15u);  // LLAMA_FTYPE_MOSTLY_Q4_K_M
  std::vector<PlanTensor> names;
  for (const GgufTensorInfo& t : f.tensors()) names.push_back({t.name, t.shape});
  const std::vector<PlannedType> plan =
      plan_tensor_types(*find_quant_scheme("q4_k_m"), names, static_cast<int>(f.get_u32("qwen2.block_count")));
  int q6k = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(dtype_name(plan[i].dtype), dtype_name(f.tensors()[i].dtype)) << names[i].name;
    q6k += f.tensors()[i].dtype == DType::kQ6_K;
  }
  // 12 ffn_down in Q6_K (attn_v falls back to Q8_0). The file is stored alphabetically (blk.0,
  // blk.1, blk.10, ...) and llama-quantize counts in file order, so they are blk.10, not blk.2.
  EXPECT_EQ(q6k, 12);
  EXPECT_EQ(f.find_tensor("blk.10.ffn_down.weight")->dtype, DType::kQ6_K);
  EXPECT_EQ(f.find_tensor("blk.2.ffn_down.weight")->dtype, DType::kQ4_K);
}

TEST(QuantizeReal, OwnTypeComesBackExactly) {
  if (!fs::exists(qwen())) GTEST_SKIP() << qwen() << " absent (../shared/models/fetch.sh)";
  const GgufFile f = GgufFile::open(qwen());
  for (const char* name : {"output.weight", "blk.0.attn_q.weight", "blk.7.attn_v.weight", "token_embd.weight"}) {
    DType t;
    const std::vector<float> x = real_values(f, name, 512, &t);
    ASSERT_TRUE(t == DType::kQ8_0 || t == DType::kQ5_0) << name << " is " << dtype_name(t);
    const std::vector<float> y = testing::encode_decode(t, x);
    size_t differ = 0;
    for (size_t i = 0; i < x.size(); ++i) differ += x[i] != y[i];
    EXPECT_EQ(differ, 0u) << name << " " << dtype_name(t);
  }
}

TEST(QuantizeReal, NoWorseThanTheReferenceEncoding) {
  if (!fs::exists(qwen())) GTEST_SKIP() << qwen() << " absent (../shared/models/fetch.sh)";
  const GgufFile f = GgufFile::open(qwen());
  for (const char* name : {"blk.0.ffn_down.weight", "blk.3.ffn_down.weight", "blk.12.ffn_up.weight"}) {
    const std::vector<float> x = real_values(f, name, 64, nullptr);
    for (DType t : {DType::kQ8_0, DType::kQ6_K, DType::kQ5_K, DType::kQ5_1, DType::kQ5_0, DType::kQ4_K,
                    DType::kQ4_1, DType::kQ4_0}) {
      if (static_cast<int64_t>(x.size()) % dtype_block_elems(t) != 0) continue;
      const std::vector<float> y = testing::encode_decode(t, x);
      EXPECT_LE(testing::squared_error(x, y), testing::reference_sse(t, x).sse) << name << " " << dtype_name(t);
    }
  }
}

TEST(QuantizeReal, SmolLmRequantizedLoadsAndMatchesItsTwin) {
  if (!fs::exists(smollm())) GTEST_SKIP() << smollm() << " absent (../shared/models/fetch.sh)";
  inference::testing::ScratchDir dir("quantize_real");
  const std::string q8 = (dir.path() / "q8.gguf").string(), twin = (dir.path() / "twin.gguf").string();
  quantize_model({.source = smollm().string(), .destination = q8, .type = "q8_0"});
  quantize_model({.source = q8, .destination = twin, .type = "f32"});
  const auto tok = tokenizer::Tokenizer::load(q8);
  const std::string text = "Find the sum of all integer bases b > 9 for which 17_b is a divisor of 97_b.";
  const std::vector<int32_t> ids = tok.encode(text, false);
  EXPECT_EQ(ids, tokenizer::Tokenizer::load(smollm().string()).encode(text, false));
  const std::vector<float> a = last_token_logits(q8, ids), b = last_token_logits(twin, ids);
  ASSERT_EQ(a.size(), b.size());
  double diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = std::max(diff, double(std::fabs(a[i] - b[i])));
  EXPECT_LE(diff, 1e-4);
  const std::vector<float> source = last_token_logits(smollm().string(), ids);
  const auto argmax = [](const std::vector<float>& v) { return std::max_element(v.begin(), v.end()) - v.begin(); };
  EXPECT_EQ(argmax(a), argmax(source));
}

}  // namespace
}  // namespace boxed::inference::model
