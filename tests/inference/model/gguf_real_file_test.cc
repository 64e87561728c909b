// GgufFile on the real files fetched by ../shared/models/fetch.sh (label `model`; skips when they
// are absent): the truncated R1-Distill-Qwen-7B header is refused as a model with the byte counts
// but its header, tokenizer metadata and tensor infos read header-only; the complete files read
// with their tensor data.
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "inference/model/gguf_file.h"
#include "inference/model/model.h"

namespace boxed::inference::model {
namespace {

std::filesystem::path models_dir() {
  const char* env = std::getenv("BOXED_MODELS_DIR");
  if (env != nullptr) return env;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : "/root") / ".cache/boxed-models";
}

#define BOXED_REQUIRE_MODEL(var, name)                                              \
  const std::filesystem::path var = models_dir() / name;                            \
  if (!std::filesystem::exists(var)) GTEST_SKIP() << var << " is absent (run ../shared/models/fetch.sh)"

TEST(GgufRealFile, TruncatedSevenBIsRefusedWithByteCountsButReadsHeaderOnly) {
  BOXED_REQUIRE_MODEL(path, "r1-distill-qwen-7b-q4_k_m.head.gguf");
  try {
    GgufFile::open(path, GgufFile::Mode::kWithTensorData);
    ADD_FAILURE() << "expected the truncated file to be refused";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find("runs past the end of the file: the tensors need"), std::string::npos) << message;
    EXPECT_NE(message.find("the file has 99614720"), std::string::npos) << message;  // 95 MiB
  }
  const GgufFile f = GgufFile::open(path, GgufFile::Mode::kHeaderOnly);
  EXPECT_FALSE(f.has_tensor_data());
  EXPECT_GT(f.needed_bytes(), uint64_t{4'000'000'000});  // a 7B Q4_K_M is about 4.7 GB
  EXPECT_EQ(f.get_string("general.architecture"), "qwen2");
  EXPECT_EQ(f.get_u32("qwen2.block_count"), 28u);
  EXPECT_EQ(f.get_u32("qwen2.embedding_length"), 3584u);
  EXPECT_EQ(f.get_string("tokenizer.ggml.pre"), "deepseek-r1-qwen");
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens").size(), 152064u);
  EXPECT_NE(f.get_string("tokenizer.chat_template").find("<\xef\xbd\x9c" "Assistant"), std::string::npos);
  // 28 layers x 12 tensors (q/k/v with biases) + token_embd, output_norm, output.
  EXPECT_EQ(f.tensors().size(), 28u * 12 + 3);
  const GgufTensorInfo* embd = f.find_tensor("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_EQ(embd->shape, (std::vector<int64_t>{152064, 3584}));
  EXPECT_EQ(embd->ne, (std::vector<int64_t>{3584, 152064}));
  EXPECT_THROW(f.tensor_view("output.weight"), std::runtime_error);
}

TEST(GgufRealFile, CompleteFilesReadWithTensorData) {
  for (const char* name : {"smollm2-135m-instruct-q4_1.gguf", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"}) {
    const std::filesystem::path path = models_dir() / name;
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent (run ../shared/models/fetch.sh)";
    const GgufFile f = GgufFile::open(path);
    EXPECT_TRUE(f.has_tensor_data());
    EXPECT_LE(f.needed_bytes(), f.file_bytes());
    EXPECT_GT(f.needed_bytes() + f.alignment(), f.file_bytes());  // data runs to the end
    const TensorView v = f.tensor_view("blk.0.attn_q.weight");
    EXPECT_EQ(v.shape.size(), 2u);
    EXPECT_EQ(v.shape[0], v.shape[1]);  // q_proj is [hidden, hidden] in both
  }
}

TEST(GgufRealFile, ModelsLoadWithTheirConfigs) {
  BOXED_REQUIRE_MODEL(smol, "smollm2-135m-instruct-q4_1.gguf");
  BOXED_REQUIRE_MODEL(qwen, "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf");
  const std::unique_ptr<Model> s = Model::load(smol);
  const ModelConfig& a = s->config();
  EXPECT_EQ(a.arch, Architecture::kLlama);
  EXPECT_EQ(a.n_layers, 30);
  EXPECT_EQ(a.hidden_size, 576);
  EXPECT_EQ(a.n_heads, 9);
  EXPECT_EQ(a.n_kv_heads, 3);
  EXPECT_EQ(a.head_dim, 64);
  EXPECT_EQ(a.intermediate_size, 1536);
  EXPECT_EQ(a.vocab_size, 49152);
  EXPECT_EQ(a.rope_theta, 100000.0f);
  EXPECT_EQ(a.rms_norm_eps, 1e-5f);
  EXPECT_TRUE(a.tie_word_embeddings);  // no output.weight in the file
  EXPECT_FALSE(a.attention_bias);
  EXPECT_EQ(s->weights().layers[3].q_proj.dtype, DType::kQ4_1);
  EXPECT_EQ(s->weights().embed_tokens.dtype, DType::kQ8_0);
  EXPECT_EQ(s->weights().lm_head.data, s->weights().embed_tokens.data);

  const std::unique_ptr<Model> q = Model::load(qwen);
  const ModelConfig& b = q->config();
  EXPECT_EQ(b.arch, Architecture::kQwen2);
  EXPECT_EQ(b.n_layers, 24);
  EXPECT_EQ(b.hidden_size, 896);
  EXPECT_EQ(b.n_heads, 14);
  EXPECT_EQ(b.n_kv_heads, 2);
  EXPECT_EQ(b.head_dim, 64);
  EXPECT_EQ(b.intermediate_size, 4864);
  EXPECT_EQ(b.vocab_size, 151936);
  EXPECT_EQ(b.rope_theta, 1000000.0f);
  EXPECT_FALSE(b.tie_word_embeddings);  // this GGUF carries output.weight (Q8_0)
  EXPECT_TRUE(b.attention_bias);
  EXPECT_EQ(b.bos_token_id, std::optional<int32_t>(151643));
  // eos 151645 <|im_end|> from the file, plus 151643 <|endoftext|> as generation_config.json has.
  EXPECT_EQ(b.eos_token_ids, (std::vector<int32_t>{151645, 151643}));
  EXPECT_NE(b.chat_template.find("<|im_start|>"), std::string::npos);
  EXPECT_EQ(q->weights().layers[0].down_proj.dtype, DType::kQ6_K);
  EXPECT_EQ(q->weights().lm_head.dtype, DType::kQ8_0);
}

TEST(GgufRealFile, TruncatedSevenBIsRefusedAsAModel) {
  BOXED_REQUIRE_MODEL(path, "r1-distill-qwen-7b-q4_k_m.head.gguf");
  try {
    Model::load(path);
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("the tensors need 4683073248 bytes, the file has 99614720 "
                                         "(4583458528 missing; a truncated download?)"),
              std::string::npos) << e.what();
  }
  const ModelConfig c = load_model_config(path);  // the header alone is enough for the config
  EXPECT_EQ(c.n_layers, 28);
  EXPECT_EQ(c.vocab_size, 152064);
}

}  // namespace
}  // namespace boxed::inference::model
