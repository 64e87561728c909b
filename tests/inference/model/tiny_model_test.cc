// make_tiny_model: deterministic bytes for a seed, a config that agrees with the tokenizer it
// ships (vocabulary size, R1 special-token ids), llama3 scaling that really changes frequencies,
// and the `boxed make-tiny-model` / `boxed logits` commands end to end.
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "inference/cpu/rope.h"
#include "inference/model/model.h"
#include "inference/model/tiny_model.h"
#include "inference/tokenizer/tiny_tokenizer.h"
#include "inference/tokenizer/tokenizer.h"
#include "inference/tools.h"
#include "tests/inference/model/scratch_dir.h"

namespace boxed::inference::model {
namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

constexpr std::array<const char*, 5> kFiles = {"config.json", "generation_config.json",
                                               "tokenizer_config.json", "tokenizer.json",
                                               "model.safetensors"};

TEST(TinyModel, SameSeedSameBytesOtherSeedOtherWeights) {
  testing::ScratchDir dir("tiny_determinism");
  make_tiny_model((dir.path() / "a").string(), "llama", 7);
  make_tiny_model((dir.path() / "b").string(), "llama", 7);
  make_tiny_model((dir.path() / "c").string(), "llama", 8);
  for (const char* file : kFiles) {
    EXPECT_EQ(read_all(dir.path() / "a" / file), read_all(dir.path() / "b" / file)) << file;
  }
  EXPECT_NE(read_all(dir.path() / "a" / "model.safetensors"), read_all(dir.path() / "c" / "model.safetensors"));
  EXPECT_EQ(read_all(dir.path() / "a" / "config.json"), read_all(dir.path() / "c" / "config.json"));
}

TEST(TinyModel, ConfigAgreesWithItsTokenizer) {
  for (const std::string arch : {"qwen2", "llama"}) {
    SCOPED_TRACE(arch);
    testing::ScratchDir dir("tiny_config");
    make_tiny_model(dir.path().string(), arch, 1);
    const std::unique_ptr<Model> m = Model::load(dir.path());
    const ModelConfig& c = m->config();
    const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(dir.path().string());
    EXPECT_EQ(c.vocab_size, tok.vocab_size());
    ASSERT_TRUE(c.bos_token_id.has_value());
    EXPECT_EQ(tok.token_text(*c.bos_token_id), "<｜begin▁of▁sentence｜>");
    ASSERT_EQ(c.eos_token_ids.size(), 1u);
    EXPECT_EQ(tok.token_text(c.eos_token_ids[0]), "<｜end▁of▁sentence｜>");
    EXPECT_EQ(c.bos_token, "<｜begin▁of▁sentence｜>");
    EXPECT_NE(c.chat_template.find("<｜Assistant｜>"), std::string::npos);
    EXPECT_EQ(c.generation.temperature.value_or(0), 0.6f);
    EXPECT_EQ(m->weights().embed_tokens.dtype, DType::kBF16);
    EXPECT_EQ(c.arch == Architecture::kQwen2, arch == "qwen2");
  }
}

// The 1.5B shape for `boxed bench`: the published dimensions, the tiny tokenizer's special ids
// (its ids all fit the larger vocabulary); llama is refused by name. The 3.5 GB write itself is
// exercised by scripts/gpu_check.sh, not here.
TEST(TinyModel, R1DistillShapeHasThePublishedDimensions) {
  const nlohmann::json tok = tokenizer::make_tiny_tokenizer_json();
  const ModelConfig tiny = tiny_model_config(Architecture::kQwen2, tok);
  const ModelConfig c = tiny_model_config(Architecture::kQwen2, tok, ModelShape::kR1DistillQwen1_5B);
  EXPECT_EQ(c.vocab_size, 151936);
  EXPECT_EQ(c.hidden_size, 1536);
  EXPECT_EQ(c.n_layers, 28);
  EXPECT_EQ(c.n_heads, 12);
  EXPECT_EQ(c.n_kv_heads, 2);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.intermediate_size, 8960);
  EXPECT_TRUE(c.attention_bias);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.bos_token_id, tiny.bos_token_id);
  EXPECT_EQ(c.eos_token_ids, tiny.eos_token_ids);
  EXPECT_LT(tiny.vocab_size, c.vocab_size);
  try {
    tiny_model_config(Architecture::kLlama, tok, ModelShape::kR1DistillQwen1_5B);
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("found arch llama"), std::string::npos) << e.what();
  }
  try {
    make_tiny_model("unused", "qwen2", 1, "r1-distill-qwen-7b");
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--shape: expected tiny or r1-distill-qwen-1.5b"),
              std::string::npos) << e.what();
  }
}

// With theta 500000, head_dim 32 and original context 64: frequency 0 and 1 (wavelengths 6.3
// and 14.3 < 64/4) are kept, 2 (wavelength 32.5, between 16 and 64) is interpolated, the rest
// (wavelengths > 64) are divided by the factor 8 (Llama 3.1 reference "apply_scaling").
TEST(TinyModel, LlamaRopeScalingChangesFrequencies) {
  testing::ScratchDir dir("tiny_rope");
  make_tiny_model(dir.path().string(), "llama", 1);
  ModelConfig c = load_model_config(dir.path());
  ASSERT_EQ(c.rope_scaling.type, "llama3");
  const std::vector<float> scaled = cpu::rope_inv_freq(c);
  c.rope_scaling.type = "none";
  const std::vector<float> plain = cpu::rope_inv_freq(c);
  ASSERT_EQ(scaled.size(), 16u);
  EXPECT_EQ(scaled[0], plain[0]);
  EXPECT_EQ(scaled[1], plain[1]);
  EXPECT_GT(scaled[2], plain[2] / 8 * 1.01f);
  EXPECT_LT(scaled[2], plain[2] * 0.99f);
  for (size_t i = 3; i < scaled.size(); ++i) EXPECT_FLOAT_EQ(scaled[i], plain[i] / 8) << i;
}

std::string run_command(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  EXPECT_EQ(::pclose(pipe), 0) << command;
  return out;
}

TEST(TinyModel, CommandsWriteAModelAndPrintItsLogits) {
  const std::string boxed = BOXED_BINARY_PATH;  // compiled in by boxed_add_gtest
  ASSERT_TRUE(std::filesystem::exists(boxed)) << boxed;
  testing::ScratchDir dir("tiny_commands");
  const std::string model = (dir.path() / "m").string();
  run_command(std::string(boxed) + " make-tiny-model " + model + " --arch qwen2 --seed 4");
  const nlohmann::json out =
      nlohmann::json::parse(run_command(std::string(boxed) + " logits --model " + model + " --tokens 5,17,200,3"));
  const std::vector<int32_t> tokens = {5, 17, 200, 3};
  EXPECT_EQ(out["tokens"].get<std::vector<int32_t>>(), tokens);
  const std::vector<float> expected = last_token_logits(model, tokens);
  EXPECT_EQ(out["logits"].get<std::vector<float>>(), expected);  // JSON floats round-trip exactly

  const nlohmann::json text = nlohmann::json::parse(
      run_command(std::string(boxed) + " logits --model " + model + " --text '<｜User｜>1+1'"));
  const std::vector<int32_t> ids = text["tokens"].get<std::vector<int32_t>>();
  EXPECT_EQ(ids, encode_text_for_model(model, "<｜User｜>1+1"));
  EXPECT_EQ(text["logits"].get<std::vector<float>>(), last_token_logits(model, ids));
}

}  // namespace
}  // namespace boxed::inference::model
