// AutoAWQ GEMM checkpoints: the nibble order against a hand-packed word, logits of checkpoints
// packed by AutoAWQ's own code (tests/data/model/awq, tools/awq/make_awq_checkpoint.py) against
// their fp32 twins dequantised by AutoAWQ's own dequantize_gemm, refusal of other variants by
// name, and clear errors for corrupted or mis-shaped qweight / qzeros / scales.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "inference/cpu/forward.h"
#include "inference/cpu/matmul.h"
#include "inference/model/awq.h"
#include "inference/model/model.h"
#include "inference/model/safetensors_writer.h"
#include "tests/inference/model/scratch_dir.h"

namespace boxed::inference::model {
namespace {

std::filesystem::path data_dir() {
  const char* root = std::getenv("BOXED_SOURCE_DIR");
  return std::filesystem::path(root ? root : BOXED_SOURCE_DIR_PATH) / "tests/data/model/awq";
}

void put_u32(std::vector<std::byte>& bytes, size_t index, uint32_t v) {
  std::memcpy(bytes.data() + 4 * index, &v, 4);
}

// One group of 8 inputs x 16 outputs packed by hand: q[k, o] = (o + k) % 16, zero z[o] = o % 5,
// scale s[o] = 0.5 + o / 16. Nibble i of a word holds column 8c + {0,2,4,6,1,3,5,7}[i]
// (AutoAWQ WQLinear_GEMM.from_linear, order_map).
TEST(AwqDequantize, NibbleOrderIsAutoAwqs) {
  constexpr int kIn = 8, kOut = 16;
  const int order[8] = {0, 2, 4, 6, 1, 3, 5, 7};
  const auto q = [](int k, int o) { return (o + k) % 16; };
  const auto z = [](int o) { return o % 5; };
  std::vector<std::byte> qweight(4 * kIn * kOut / 8), qzeros(4 * kOut / 8), scales(2 * kOut);
  for (int k = 0; k < kIn; ++k) {
    for (int c = 0; c < kOut / 8; ++c) {
      uint32_t word = 0;
      for (int i = 0; i < 8; ++i) word |= uint32_t(q(k, 8 * c + order[i])) << (4 * i);
      put_u32(qweight, k * (kOut / 8) + c, word);
    }
  }
  for (int c = 0; c < kOut / 8; ++c) {
    uint32_t word = 0;
    for (int i = 0; i < 8; ++i) word |= uint32_t(z(8 * c + order[i])) << (4 * i);
    put_u32(qzeros, c, word);
  }
  for (int o = 0; o < kOut; ++o) {
    const uint16_t h = f32_to_f16(0.5f + o / 16.0f);
    std::memcpy(scales.data() + 2 * o, &h, 2);
  }
  AwqLinear w{.out = kOut, .in = kIn, .group_size = kIn,
              .qweight = {.name = "t.qweight", .dtype = DType::kI32, .shape = {kIn, kOut / 8}, .data = qweight.data()},
              .qzeros = {.name = "t.qzeros", .dtype = DType::kI32, .shape = {1, kOut / 8}, .data = qzeros.data()},
              .scales = {.name = "t.scales", .dtype = DType::kF16, .shape = {1, kOut}, .data = scales.data()}};
  validate_awq_linear(w, "hand");
  std::vector<float> tile(kOut * kIn);
  awq_dequantize_rows(w, 0, kOut, tile.data());
  for (int o = 0; o < kOut; ++o) {
    for (int k = 0; k < kIn; ++k) {
      EXPECT_EQ(tile[o * kIn + k], float(q(k, o) - z(o)) * (0.5f + o / 16.0f)) << o << "," << k;
    }
  }
  std::vector<float> upper(8 * kIn);  // rows 8..15 alone
  awq_dequantize_rows(w, 8, 8, upper.data());
  EXPECT_TRUE(std::equal(upper.begin(), upper.end(), tile.begin() + 8 * kIn));
}

// Logits of every position of a 23-token sequence (the 4-token matmul groups) and of a 1-token
// decode step (the single-row path) from the AWQ checkpoint and from its twin.
void expect_same_logits(const std::string& arch) {
  const auto awq = Model::load(data_dir() / ("tiny-" + arch + "-awq"));
  const auto twin = Model::load(data_dir() / ("tiny-" + arch + "-twin"));
  ASSERT_TRUE(awq->weights().layers[0].q_proj.awq);
  ASSERT_FALSE(twin->weights().layers[0].q_proj.awq);
  const ModelConfig& c = awq->config();
  std::vector<int32_t> tokens;
  for (int i = 0; i < 23; ++i) tokens.push_back((i * 37 + 5) % c.vocab_size);
  const int n = static_cast<int>(tokens.size());
  std::vector<int32_t> positions(n), seq_ids(n, 0), table = {0, 1}, want(n);
  for (int i = 0; i < n; ++i) positions[i] = want[i] = i;
  const auto run = [&](const Model& m) {
    cpu::KvCache cache({.n_layers = c.n_layers, .n_kv_heads = c.n_kv_heads, .head_dim = c.head_dim,
                        .block_size_tokens = 16, .n_blocks = 2});
    std::vector<float> logits(size_t(n) * c.vocab_size);
    cpu::CpuForward(m).run({.tokens = tokens, .positions = positions, .seq_ids = seq_ids,
                            .block_tables = table, .max_blocks_per_seq = 2, .logit_indices = want},
                           cache, logits);
    return logits;
  };
  const std::vector<float> a = run(*awq), b = run(*twin);
  float max_abs = 0, max_logit = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    max_abs = std::max(max_abs, std::fabs(a[i] - b[i]));
    max_logit = std::max(max_logit, std::fabs(b[i]));
  }
  EXPECT_LE(max_abs, 1e-3f) << arch;
  EXPECT_EQ(max_abs, 0.0f) << arch << ": (q - z) * s is exact in fp32, so the logits are bitwise equal";
  EXPECT_GT(max_logit, 0.1f) << "the logits are not trivially zero";
}

TEST(AwqModel, Qwen2LogitsEqualDequantisedTwin) { expect_same_logits("qwen2"); }

// The weight format named in report manifests (CPU engine details "weights").
TEST(AwqModel, WeightsDescription) {
  EXPECT_EQ(weights_description(*Model::load(data_dir() / "tiny-qwen2-awq")), "AWQ int4 gemm (group 32)");
  EXPECT_EQ(weights_description(*Model::load(data_dir() / "tiny-llama-awq")), "AWQ int4 gemm (group 64)");
  EXPECT_EQ(weights_description(*Model::load(data_dir() / "tiny-qwen2-twin")), "F32");
}
TEST(AwqModel, LlamaLogitsEqualDequantisedTwin) { expect_same_logits("llama"); }

// Copies the AWQ checkpoint with config.json's quantization_config edited.
std::string load_error_with_config(const std::function<void(nlohmann::json&)>& edit) {
  testing::ScratchDir dir("awq_config");
  const std::filesystem::path src = data_dir() / "tiny-qwen2-awq";
  std::filesystem::copy(src, dir.path(), std::filesystem::copy_options::recursive);
  std::ifstream in(src / "config.json");
  nlohmann::json config = nlohmann::json::parse(in);
  edit(config["quantization_config"]);
  std::ofstream(dir.path() / "config.json", std::ios::trunc) << config.dump();
  try {
    Model::load(dir.path());
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(AwqConfig, UnsupportedVariantsAreRefusedByName) {
  struct Case { std::function<void(nlohmann::json&)> edit; std::string expected; };
  const std::vector<Case> cases = {
      {[](auto& q) { q["version"] = "gemv"; }, "AWQ variant 'gemv' is not supported"},
      {[](auto& q) { q["version"] = "GEMV_FAST"; }, "AWQ variant 'GEMV_FAST' is not supported"},
      {[](auto& q) { q["version"] = "marlin"; }, "AWQ variant 'marlin' is not supported"},
      {[](auto& q) { q["version"] = "exllama"; }, "AWQ variant 'exllama' is not supported"},
      {[](auto& q) { q["bits"] = 8; }, "only 4-bit AWQ is supported, found 8"},
      {[](auto& q) { q["zero_point"] = false; }, "symmetric AWQ (zero_point false) is not supported"},
      {[](auto& q) { q["quant_method"] = "gptq"; }, "'gptq' is not supported"},
      {[](auto& q) { q["group_size"] = -1; }, "quantization_config.group_size': expected a positive integer, found -1"},
  };
  for (const Case& c : cases) {
    const std::string error = load_error_with_config(c.edit);
    EXPECT_NE(error.find(c.expected), std::string::npos) << "expected '" << c.expected << "' in: " << error;
    EXPECT_NE(error.find("config.json"), std::string::npos) << error;
  }
  // A group size that does not divide the input features (64 here) is caught per tensor.
  const std::string error = load_error_with_config([](auto& q) { q["group_size"] = 48; });
  EXPECT_NE(error.find("not a multiple of group_size 48"), std::string::npos) << error;
}

// Rewrites the AWQ checkpoint's model.safetensors with `edit` applied to its tensors.
std::string load_error_with_tensors(const std::function<void(std::vector<TensorData>&)>& edit) {
  testing::ScratchDir dir("awq_tensors");
  const std::filesystem::path src = data_dir() / "tiny-qwen2-awq";
  std::filesystem::copy(src, dir.path(), std::filesystem::copy_options::recursive);
  std::vector<TensorData> tensors;
  {
    SafetensorsFile file(src / "model.safetensors");
    for (const auto& [name, view] : file.tensors()) {
      tensors.push_back({.name = name, .dtype = view.dtype, .shape = view.shape,
                         .bytes = std::vector<std::byte>(view.data, view.data + view.size_bytes())});
    }
  }
  edit(tensors);
  std::filesystem::remove(dir.path() / "model.safetensors");
  write_safetensors(dir.path() / "model.safetensors", tensors);
  try {
    Model::load(dir.path());
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TensorData& find(std::vector<TensorData>& tensors, const std::string& name) {
  for (TensorData& t : tensors) {
    if (t.name == name) return t;
  }
  throw std::runtime_error("no tensor " + name);
}

TEST(AwqModel, CorruptedTensorsAreClearErrors) {
  const std::string p = "model.layers.1.mlp.down_proj";  // [64, 128]: qweight [128, 8]
  struct Case { std::function<void(std::vector<TensorData>&)> edit; std::vector<std::string> expected; };
  const std::vector<Case> cases = {
      {[&](auto& t) {  // one row of qweight cut off
         TensorData& q = find(t, p + ".qweight");
         q.shape = {127, 8};
         q.bytes.resize(127 * 8 * 4);
       }, {p + ".qweight", "qweight", "expected shape [128, 8], found [127, 8]"}},
      {[&](auto& t) {  // qzeros transposed
         find(t, p + ".qzeros").shape = {8, 4};
       }, {p + ".qzeros", "expected shape [4, 8], found [8, 4]"}},
      {[&](auto& t) {  // scales stored as int32 (the same bytes per element as F32 would need)
         TensorData& s = find(t, p + ".scales");
         s.dtype = DType::kI32;
         s.bytes.resize(s.bytes.size() * 2);
       }, {p + ".scales", "expected dtype F16, found I32"}},
      {[&](auto& t) {  // scales for 16 outputs too few
         TensorData& s = find(t, p + ".scales");
         s.shape = {4, 48};
         s.bytes.resize(4 * 48 * 2);
       }, {p + ".scales", "expected shape [4, 64], found [4, 48]"}},
      {[&](auto& t) {  // qzeros missing altogether
         std::erase_if(t, [&](const TensorData& x) { return x.name == p + ".qzeros"; });
       }, {p + ".qzeros", "is missing"}},
      {[&](auto& t) {  // a float weight stored as I32 is not taken for a weight
         find(t, "model.norm.weight").dtype = DType::kI32;
         find(t, "model.norm.weight").bytes.resize(64 * 4);
       }, {"model.norm.weight", "expected dtype BF16, F16 or F32, found I32"}},
  };
  for (const Case& c : cases) {
    const std::string error = load_error_with_tensors(c.edit);
    ASSERT_FALSE(error.empty());
    for (const std::string& part : c.expected) {
      EXPECT_NE(error.find(part), std::string::npos) << "expected '" << part << "' in: " << error;
    }
    EXPECT_NE(error.find("model.safetensors"), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace boxed::inference::model
