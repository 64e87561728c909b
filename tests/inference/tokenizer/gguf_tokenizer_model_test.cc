// Label `model`: the tokenizers and chat templates of the fetched real GGUF files
// (../shared/models/fetch.sh; skipped when absent), loaded through Tokenizer::load and
// ChatTemplate::load from the header alone (the 7B file has no tensor data).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "inference/tokenizer/chat_template.h"
#include "inference/tokenizer/gguf_source.h"
#include "inference/tokenizer/tokenizer.h"
#include "tests/inference/tokenizer/test_paths.h"
#include "tests/support/run_boxed.h"

namespace boxed::inference::tokenizer {
namespace {

constexpr const char* kR1 = "r1-distill-qwen-7b-q4_k_m.head.gguf";
constexpr const char* kQwen = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf";
constexpr const char* kSmol = "smollm2-135m-instruct-q4_1.gguf";

#define BOXED_REQUIRE_MODEL(var, name)                                                       \
  const auto var = testing::model_file(name);                                                \
  if (var.empty()) GTEST_SKIP() << name << " is not fetched (../shared/models/fetch.sh)"

TEST(GgufTokenizerModelTest, TemplatesAreTheGoldenTexts) {
  const auto templates = nlohmann::json::parse(testing::read_text(
      testing::source_dir() / "tests" / "data" / "tokenizer" / "chat_templates.json"));
  int n_files = 0;
  for (const auto& t : templates) {
    const std::string source = t["source"];
    if (source.rfind("gguf:", 0) != 0) continue;
    const auto path = testing::model_file(source.substr(5));
    if (path.empty()) continue;
    ++n_files;
    EXPECT_EQ(read_gguf_chat_template(path.string()), t["text"].get<std::string>()) << path;
    EXPECT_EQ(ChatTemplate::load(path.string(), "").name(), t["builtin"].get<std::string>());
    EXPECT_EQ(ChatTemplate::load(path.string(), "raw").name(), "raw") << "the override wins";
  }
  if (n_files == 0) GTEST_SKIP() << "no GGUF model fetched (../shared/models/fetch.sh)";
  EXPECT_EQ(n_files, 3);
}

TEST(GgufTokenizerModelTest, R1SpecialTokensGetTheHeaderIds) {
  BOXED_REQUIRE_MODEL(path, kR1);
  const Tokenizer tok = Tokenizer::load(path.string());
  // Ids as tokenizer.ggml.tokens of the 7B header lists them (and R1-Distill's tokenizer.json).
  const std::vector<std::pair<std::string, int32_t>> expected = {
      {"<｜end▁of▁sentence｜>", 151643}, {"<｜User｜>", 151644},
      {"<｜Assistant｜>", 151645},        {"<｜begin▁of▁sentence｜>", 151646},
      {"<think>", 151648},                 {"</think>", 151649}};
  for (const auto& [text, id] : expected) {
    EXPECT_EQ(tok.token_id(text), id) << text;
    EXPECT_EQ(tok.encode(text, /*parse_special=*/true), std::vector<int32_t>{id}) << text;
  }
  EXPECT_EQ(tok.vocab_size(), 152064);
  EXPECT_EQ(tok.bos_id(), 151646);
  EXPECT_EQ(tok.eos_id(), 151643);
  EXPECT_EQ(tok.padding_id(), 151654);
  EXPECT_TRUE(tok.add_bos());
  EXPECT_EQ(tok.pre_name(), "qwen2");  // tokenizer.ggml.pre "deepseek-r1-qwen"
  // Control tokens are special (dropped by parse_special=false); user-defined ones are not.
  EXPECT_TRUE(tok.is_special(151644));
  EXPECT_FALSE(tok.is_special(151648));
  EXPECT_NE(tok.encode("<｜User｜>", false), std::vector<int32_t>{151644});
  EXPECT_EQ(tok.encode("<think>", false), std::vector<int32_t>{151648});
  // The whole R1 prompt: one BOS, markers as single tokens.
  const std::vector<Message> messages = {{"user", "1+1?"}};
  const std::string prompt = ChatTemplate::load(path.string(), "").apply(messages, true);
  const std::vector<int32_t> ids = tok.encode(prompt, true);
  EXPECT_EQ(ids, (std::vector<int32_t>{151646, 151644, 16, 10, 16, 30, 151645, 151648, 198}));
  EXPECT_EQ(tok.decode(ids), prompt);
}

TEST(GgufTokenizerModelTest, QwenAndSmolLmVocabularies) {
  BOXED_REQUIRE_MODEL(qwen_path, kQwen);
  BOXED_REQUIRE_MODEL(smol_path, kSmol);
  const Tokenizer qwen = Tokenizer::load(qwen_path.string());
  EXPECT_EQ(qwen.pre_name(), "qwen2");
  EXPECT_EQ(qwen.vocab_size(), 151936);
  EXPECT_EQ(qwen.token_id("<|im_start|>"), 151644);
  EXPECT_EQ(qwen.eos_id(), 151645);
  EXPECT_FALSE(qwen.add_bos());
  const Tokenizer smol = Tokenizer::load(smol_path.string());
  EXPECT_EQ(smol.pre_name(), "smollm");
  EXPECT_EQ(smol.vocab_size(), 49152);
  EXPECT_EQ(smol.token_id("<|im_start|>"), 1);
  EXPECT_EQ(smol.bos_id(), 1);
  EXPECT_EQ(smol.eos_id(), 2);
  // smollm splits digits one by one: "2025" is four tokens whatever the merges say.
  EXPECT_EQ(smol.encode("2025", true).size(), 4u);
  EXPECT_EQ(smol.decode(smol.encode(" x  12 y\n", true)), " x  12 y\n");
  // --pre must agree with the file.
  EXPECT_NO_THROW(Tokenizer::load(smol_path.string(), "smollm"));
  EXPECT_THROW(Tokenizer::load(smol_path.string(), "qwen2"), std::runtime_error);
}

// The commands that need no tensor data work on the truncated 7B file.
TEST(GgufTokenizerModelTest, CommandsOnTheTruncated7B) {
  BOXED_REQUIRE_MODEL(path, kR1);
  const auto tokenize = boxed::testing::run_boxed("tokenize --tokenizer '" + path.string() +
                                                  "' --text '<｜User｜>1+1?<think>'");
  EXPECT_EQ(tokenize.exit_code, 0) << tokenize.output;
  EXPECT_EQ(tokenize.output, "151644,16,10,16,30,151648\n");
  const auto prompts = boxed::testing::run_boxed(
      "prompts --task aime24 --limit 1 --dataset '" +
      (testing::source_dir() / "tests" / "data" / "runner" / "tiny_aime.jsonl").string() +
      "' --model '" + path.string() + "'");
  ASSERT_EQ(prompts.exit_code, 0) << prompts.output;
  const auto line = nlohmann::json::parse(prompts.output);
  EXPECT_EQ(line["prompt"],
            "<｜begin▁of▁sentence｜><｜User｜>What is 1+1-2?\nPlease reason step by step, and put "
            "your final answer within \\boxed{}.<｜Assistant｜><think>\n");
}

}  // namespace
}  // namespace boxed::inference::tokenizer
