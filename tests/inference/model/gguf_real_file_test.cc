// GgufFile on the real files fetched by ../shared/models/fetch.sh (label `model`; skips when they
// are absent): the truncated R1-Distill-Qwen-7B header is refused as a model with the byte counts
// but its header, tokenizer metadata and tensor infos read header-only; the complete files read
// with their tensor data.
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "inference/model/gguf_file.h"

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

}  // namespace
}  // namespace boxed::inference::model
