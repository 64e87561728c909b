// Model::load of a .gguf file: a random Qwen2 or Llama model written as a Hugging Face directory
// and as its GGUF twin (gguf_from_hf: renamed tensors, Llama q/k rows permuted as
// convert_hf_to_gguf.py does) loads to the same config, the same weight bytes and bit-identical
// logits; every tensor is checked for presence, type and shape; quantized rows are un-permuted as
// whole rows; metadata the engine cannot honour is refused by key.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include <gtest/gtest.h>

#include "inference/cpu/forward.h"
#include "inference/model/gguf_convert.h"
#include "inference/model/gguf_model.h"
#include "inference/model/model.h"
#include "inference/model/random_model.h"
#include "tests/inference/model/scratch_dir.h"

namespace boxed::inference::model {
namespace {

ModelConfig small_config(Architecture arch) {
  ModelConfig c;
  c.arch = arch;
  c.vocab_size = 40;
  c.hidden_size = 32;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.head_dim = arch == Architecture::kQwen2 ? 8 : 16;  // Llama: explicit key_length (4 x 16 != 32)
  c.intermediate_size = 48;
  c.max_position_embeddings = 128;
  c.rms_norm_eps = 1e-5f;
  c.rope_theta = 50000.0f;
  c.attention_bias = arch == Architecture::kQwen2;
  c.tie_word_embeddings = arch == Architecture::kLlama;
  c.bos_token_id = 1;
  c.eos_token_ids = {2};
  return c;
}

bool same_bytes(const TensorView& a, const TensorView& b) {
  return a.shape == b.shape && a.dtype == b.dtype &&
         std::memcmp(a.data, b.data, a.size_bytes()) == 0;
}

std::vector<float> logits_of(const Model& m, const std::vector<int32_t>& tokens) {
  const ModelConfig& c = m.config();
  const int n = static_cast<int>(tokens.size());
  const int blocks = (n + 15) / 16;
  cpu::KvCache cache({.n_layers = c.n_layers, .n_kv_heads = c.n_kv_heads, .head_dim = c.head_dim,
                      .block_size_tokens = 16, .n_blocks = blocks});
  std::vector<int32_t> positions(n), seq_ids(n, 0), table(blocks), want(n);
  for (int i = 0; i < n; ++i) positions[i] = want[i] = i;
  for (int b = 0; b < blocks; ++b) table[b] = b;
  std::vector<float> logits(static_cast<size_t>(n) * c.vocab_size);
  cpu::CpuForward(m).run({.tokens = tokens, .positions = positions, .seq_ids = seq_ids,
                          .block_tables = table, .max_blocks_per_seq = blocks, .logit_indices = want},
                         cache, logits);
  return logits;
}

class GgufModel : public ::testing::TestWithParam<std::tuple<Architecture, DType>> {};

TEST_P(GgufModel, SameWeightsAndLogitsAsTheHuggingFaceDirectory) {
  const auto [arch, dtype] = GetParam();
  const ModelConfig config = small_config(arch);
  testing::ScratchDir dir("gguf_model");
  write_random_model(dir.path() / "hf", config, 11, dtype);
  gguf_from_hf(config, random_weights(config, 11, dtype)).write(dir.path() / "m.gguf");

  const std::unique_ptr<Model> hf = Model::load(dir.path() / "hf");
  const std::unique_ptr<Model> gg = Model::load(dir.path() / "m.gguf");
  const ModelConfig& a = hf->config();
  const ModelConfig& b = gg->config();
  EXPECT_EQ(b.arch, a.arch);
  EXPECT_EQ(b.vocab_size, a.vocab_size);
  EXPECT_EQ(b.hidden_size, a.hidden_size);
  EXPECT_EQ(b.n_layers, a.n_layers);
  EXPECT_EQ(b.n_heads, a.n_heads);
  EXPECT_EQ(b.n_kv_heads, a.n_kv_heads);
  EXPECT_EQ(b.head_dim, a.head_dim);
  EXPECT_EQ(b.intermediate_size, a.intermediate_size);
  EXPECT_EQ(b.max_position_embeddings, a.max_position_embeddings);
  EXPECT_EQ(b.rms_norm_eps, a.rms_norm_eps);
  EXPECT_EQ(b.rope_theta, a.rope_theta);
  EXPECT_EQ(b.tie_word_embeddings, a.tie_word_embeddings);
  EXPECT_EQ(b.attention_bias, a.attention_bias);
  EXPECT_EQ(b.bos_token_id, std::optional<int32_t>(1));
  EXPECT_EQ(b.eos_token_ids, std::vector<int32_t>{2});
  EXPECT_EQ(gg->dir(), dir.path() / "m.gguf");

  const ModelWeights& x = hf->weights();
  const ModelWeights& y = gg->weights();
  EXPECT_TRUE(same_bytes(x.embed_tokens, y.embed_tokens));
  EXPECT_TRUE(same_bytes(x.final_norm, y.final_norm));
  EXPECT_TRUE(same_bytes(x.lm_head, y.lm_head));
  for (size_t l = 0; l < x.layers.size(); ++l) {
    SCOPED_TRACE(l);
    const LayerWeights& p = x.layers[l];
    const LayerWeights& q = y.layers[l];
    EXPECT_TRUE(same_bytes(p.input_norm, q.input_norm));
    EXPECT_TRUE(same_bytes(p.q_proj, q.q_proj));
    EXPECT_TRUE(same_bytes(p.k_proj, q.k_proj));
    EXPECT_TRUE(same_bytes(p.v_proj, q.v_proj));
    EXPECT_TRUE(same_bytes(p.o_proj, q.o_proj));
    EXPECT_TRUE(same_bytes(p.post_attention_norm, q.post_attention_norm));
    EXPECT_TRUE(same_bytes(p.gate_proj, q.gate_proj));
    EXPECT_TRUE(same_bytes(p.up_proj, q.up_proj));
    EXPECT_TRUE(same_bytes(p.down_proj, q.down_proj));
    ASSERT_EQ(p.q_bias.has_value(), q.q_bias.has_value());
    if (p.q_bias) {
      EXPECT_TRUE(same_bytes(*p.q_bias, *q.q_bias));
      EXPECT_TRUE(same_bytes(*p.k_bias, *q.k_bias));
      EXPECT_TRUE(same_bytes(*p.v_bias, *q.v_bias));
    }
  }
  const std::vector<int32_t> tokens = {1, 5, 9, 33, 7, 2, 39};
  EXPECT_EQ(logits_of(*hf, tokens), logits_of(*gg, tokens));
}

INSTANTIATE_TEST_SUITE_P(
    ArchAndType, GgufModel,
    ::testing::Combine(::testing::Values(Architecture::kQwen2, Architecture::kLlama),
                       ::testing::Values(DType::kF32, DType::kBF16)));

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

// Llama-3.1 rope scaling has no GGUF metadata: convert_hf_to_gguf.py writes per-frequency factors
// as the tensor rope_freqs.weight, which the loader turns back into the same rotation. With
// original context 64 and head size 16 (theta 50000) the 8 frequencies cover all three cases
// of the rule: kept (wavelength 6.3 < 16), interpolated (24.3), slowed by `factor` (94 and up).
TEST(GgufModelLoad, Llama31RopeScalingTravelsAsFrequencyFactors) {
  ModelConfig c = small_config(Architecture::kLlama);
  c.max_position_embeddings = 512;
  c.rope_scaling = {.type = "llama3", .factor = 8, .low_freq_factor = 1, .high_freq_factor = 4,
                    .original_max_position_embeddings = 64};
  testing::ScratchDir dir("gguf_llama31");
  write_random_model(dir.path() / "hf", c, 5, DType::kF32);
  gguf_from_hf(c, random_weights(c, 5, DType::kF32)).write(dir.path() / "m.gguf");
  ModelConfig unscaled = c;
  unscaled.rope_scaling = {};
  write_random_model(dir.path() / "plain", unscaled, 5, DType::kF32);

  const std::unique_ptr<Model> hf = Model::load(dir.path() / "hf");
  const std::unique_ptr<Model> gg = Model::load(dir.path() / "m.gguf");
  const std::unique_ptr<Model> plain = Model::load(dir.path() / "plain");
  const RopeScaling& s = gg->config().rope_scaling;
  EXPECT_EQ(s.type, "freq_factors");
  ASSERT_EQ(s.freq_factors.size(), 8u);
  EXPECT_EQ(s.freq_factors[0], 1.0f);
  EXPECT_GT(s.freq_factors[1], 1.0f);
  EXPECT_LT(s.freq_factors[1], 8.0f);
  for (size_t i = 2; i < 8; ++i) EXPECT_EQ(s.freq_factors[i], 8.0f) << i;

  std::vector<int32_t> tokens(150);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<int32_t>((7 * i + 3) % 40);
  const std::vector<float> want = logits_of(*hf, tokens);
  // The same rotation up to rounding (theta / factor here, transformers' blend there).
  EXPECT_LT(max_abs_diff(logits_of(*gg, tokens), want), 1e-4f);
  // ... and one the positions past the original context really exercise.
  EXPECT_GT(max_abs_diff(logits_of(*plain, tokens), want), 1e-2f);
}

TEST(GgufModelLoad, RopeFrequencyFactorsAreChecked) {
  ModelConfig c = small_config(Architecture::kLlama);
  testing::ScratchDir dir("gguf_rope_freqs_bad");
  GgufWriter w = gguf_from_hf(c, random_weights(c, 5, DType::kF32));
  w.add_tensor("rope_freqs.weight", DType::kF32, {3}, std::vector<std::byte>(12));
  w.write(dir.path() / "m.gguf");
  try {
    Model::load(dir.path() / "m.gguf");
    FAIL() << "loaded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'rope_freqs.weight': expected F32 [8]"), std::string::npos)
        << e.what();
  }
}

// The GGUF file stores Llama's q rows interleaved; the loader's q_proj must not be the stored
// order (else the un-permutation would be untested by the byte comparison above).
TEST(GgufModelLoad, LlamaQRowsAreStoredPermutedAndQuantizedRowsMoveWhole) {
  ModelConfig c = small_config(Architecture::kLlama);
  c.hidden_size = 64;  // whole Q8_0 blocks (32) per row
  c.head_dim = 16;
  std::vector<TensorData> hf = random_weights(c, 3, DType::kF32);
  // Replace q_proj of layer 0 by Q8_0 rows with distinct bytes (no dequantisation needed).
  const int64_t q_dim = int64_t{c.n_heads} * c.head_dim;
  const size_t row_bytes = dtype_row_bytes(DType::kQ8_0, c.hidden_size);
  for (TensorData& t : hf) {
    if (t.name == "model.layers.0.self_attn.q_proj.weight") {
      t.dtype = DType::kQ8_0;
      t.bytes.assign(static_cast<size_t>(q_dim) * row_bytes, std::byte{0});
      for (size_t i = 0; i < t.bytes.size(); ++i) t.bytes[i] = static_cast<std::byte>(i * 7 / row_bytes);
    }
  }
  std::vector<std::byte> original;
  for (const TensorData& t : hf) {
    if (t.name == "model.layers.0.self_attn.q_proj.weight") original = t.bytes;
  }
  testing::ScratchDir dir("gguf_permute");
  gguf_from_hf(c, hf).write(dir.path() / "m.gguf");
  const GgufFile f = GgufFile::open(dir.path() / "m.gguf");
  const TensorView stored = f.tensor_view("blk.0.attn_q.weight");
  // Stored row 1 is HF row d/2 = 8 of head 0 (convert_hf_to_gguf.py LlamaModel.permute).
  EXPECT_EQ(std::memcmp(stored.row(1), original.data() + 8 * row_bytes, row_bytes), 0);
  const std::unique_ptr<Model> m = Model::load(dir.path() / "m.gguf");
  const TensorView& q = m->weights().layers[0].q_proj;
  EXPECT_EQ(q.dtype, DType::kQ8_0);
  EXPECT_EQ(q.shape, (std::vector<int64_t>{q_dim, c.hidden_size}));
  EXPECT_EQ(std::memcmp(q.data, original.data(), original.size()), 0);
}

std::string load_error(const std::filesystem::path& path) {
  try {
    Model::load(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

using TensorEdit = std::function<void(std::vector<TensorData>&)>;
using MetaEdit = std::function<void(GgufWriter&)>;

// Writes the small Qwen2 model as GGUF with its tensors and then its metadata edited.
std::filesystem::path written(const testing::ScratchDir& dir, const std::string& name,
                              const TensorEdit& tensor_edit, const MetaEdit& meta_edit = {}) {
  const ModelConfig c = small_config(Architecture::kQwen2);
  std::vector<TensorData> tensors = random_weights(c, 5, DType::kF32);
  if (tensor_edit) tensor_edit(tensors);
  GgufWriter w = gguf_from_hf(c, tensors);
  if (meta_edit) meta_edit(w);
  const std::filesystem::path path = dir.path() / (name + ".gguf");
  w.write(path);
  return path;
}

std::filesystem::path with_key(const testing::ScratchDir& dir, const std::string& key, GgufValue v) {
  return written(dir, "key", {}, [&](GgufWriter& w) { w.set(key, v); });
}

TEST(GgufModelLoad, TensorsAndMetadataAreChecked) {
  testing::ScratchDir dir("gguf_model_errors");
  const auto drop = [](const std::string& hf_name) -> TensorEdit {
    return [hf_name](std::vector<TensorData>& t) {
      std::erase_if(t, [&](const TensorData& d) { return d.name == hf_name; });
    };
  };
  const auto expect_error = [](const std::filesystem::path& path, const std::string& fragment) {
    const std::string message = load_error(path);
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
    EXPECT_EQ(message.rfind(path.string(), 0), 0u) << "names no file: " << message;
  };
  expect_error(written(dir, "missing", drop("model.layers.1.mlp.up_proj.weight")),
               "tensor 'blk.1.ffn_up.weight' is missing (expected shape [48, 32])");
  expect_error(written(dir, "nobias", drop("model.layers.0.self_attn.k_proj.bias")),
               "tensor 'blk.0.attn_k.bias' is missing (expected shape [16])");
  expect_error(written(dir, "shape", [](std::vector<TensorData>& t) {
                 for (TensorData& d : t) {
                   if (d.name == "model.layers.0.mlp.down_proj.weight") d.shape = {48, 32};
                 }
               }),
               "tensor 'blk.0.ffn_down.weight': expected shape [32, 48] (GGUF ne [48, 32]), "
               "found [48, 32] (ne [32, 48])");
  expect_error(written(dir, "qnorm", [](std::vector<TensorData>& t) {
                 for (TensorData& d : t) {
                   if (d.name == "model.norm.weight") {
                     d.dtype = DType::kQ8_0;
                     d.bytes.assign(34, std::byte{0});
                   }
                 }
               }),
               "tensor 'output_norm.weight': expected F32, F16 or BF16 (a norm or bias), found Q8_0");
  expect_error(with_key(dir, "general.architecture", GgufValue::of_string("gemma2")),
               "metadata key 'general.architecture': expected \"llama\" or \"qwen2\", found \"gemma2\"");
  expect_error(with_key(dir, "qwen2.rope.scaling.type", GgufValue::of_string("yarn")),
               "metadata key 'qwen2.rope.scaling.type': expected \"none\"");
  expect_error(with_key(dir, "qwen2.rope.dimension_count", GgufValue::of_u32(4)),
               "metadata key 'qwen2.rope.dimension_count': expected the head size 8");
  expect_error(with_key(dir, "qwen2.attention.head_count", GgufValue::of_string("4")),
               "metadata key 'qwen2.attention.head_count': expected an integer, found string");
  expect_error(with_key(dir, "qwen2.attention.head_count_kv", GgufValue::of_u32(3)),
               "metadata key 'qwen2.attention.head_count_kv': expected a divisor of head_count 4, found 3");
  expect_error(with_key(dir, "qwen2.attention.layer_norm_rms_epsilon", GgufValue::of_string("x")),
               "metadata key 'qwen2.attention.layer_norm_rms_epsilon': expected float32, found string");
  expect_error(with_key(dir, "qwen2.block_count", GgufValue::of_u32(0)),
               "metadata key 'qwen2.block_count': expected a positive integer, found 0");
}

TEST(GgufModelLoad, LoadModelConfigReadsGgufHeaderOnly) {
  testing::ScratchDir dir("gguf_config");
  const ModelConfig c = small_config(Architecture::kQwen2);
  gguf_from_hf(c, random_weights(c, 5, DType::kF32)).write(dir.path() / "m.gguf");
  // Truncate the tensor data: the config still reads, the model does not.
  const GgufFile whole = GgufFile::open(dir.path() / "m.gguf");
  std::filesystem::resize_file(dir.path() / "m.gguf", whole.data_offset() + 100);
  EXPECT_EQ(load_model_config(dir.path() / "m.gguf").n_layers, 2);
  EXPECT_NE(load_error(dir.path() / "m.gguf").find("runs past the end of the file"), std::string::npos);
  EXPECT_TRUE(is_gguf_path(dir.path() / "m.gguf"));
  EXPECT_FALSE(is_gguf_path(dir.path()));
}

}  // namespace
}  // namespace boxed::inference::model
