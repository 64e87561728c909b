// Chat templates: the DeepSeek-R1 template against transformers' rendering of the real R1
// chat_template (tests/data/tokenizer/chat_template_golden.jsonl, tools/tokenizer/make_golden.py),
// its token ids (one BOS, markers as single tokens), recognition from tokenizer_config.json, the
// --chat-template override, and refusals.
#include "inference/tokenizer/chat_template.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "inference/tokenizer/tiny_tokenizer.h"
#include "inference/tokenizer/tokenizer.h"
#include "tests/inference/tokenizer/test_paths.h"

namespace boxed::inference::tokenizer {
namespace {

using testing::read_text;
using testing::shared_tokenizer_dir;
using testing::source_dir;
namespace fs = std::filesystem;

struct ChatCase {
  std::vector<Message> messages;
  std::string text;
  std::vector<int32_t> ids_qwen2;
  std::string note;
};

std::vector<ChatCase> golden_cases() {
  std::vector<ChatCase> cases;
  std::istringstream in(
      read_text(source_dir() / "tests" / "data" / "tokenizer" / "chat_template_golden.jsonl"));
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    ChatCase c;
    for (const auto& m : j["messages"]) c.messages.push_back({m["role"], m["content"]});
    c.text = j["text"];
    c.ids_qwen2 = j["ids_qwen2"].get<std::vector<int32_t>>();
    c.note = j["note"];
    cases.push_back(std::move(c));
  }
  return cases;
}

// A scratch directory removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("boxed_chat_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
  }
};

TEST(ChatTemplateTest, DeepSeekR1MatchesTransformersRendering) {
  const auto cases = golden_cases();
  ASSERT_EQ(cases.size(), 4u);
  const ChatTemplate t = ChatTemplate::by_name("deepseek-r1");
  for (const ChatCase& c : cases) EXPECT_EQ(t.apply(c.messages, true), c.text) << c.note;
}

TEST(ChatTemplateTest, DeepSeekR1TokenIdsWithQwen2Vocabulary) {
  const auto dir = shared_tokenizer_dir("qwen2");
  if (dir.empty()) GTEST_SKIP() << "../shared/tokenizers/qwen2 is absent";
  nlohmann::json j = nlohmann::json::parse(
      read_text(source_dir() / "tests" / "data" / "tokenizer" / "qwen2_skeleton.json"));
  j["model"]["vocab"] = nlohmann::json::parse(read_text(dir / "vocab.json"));
  std::istringstream merges(read_text(dir / "merges.txt"));
  std::string line;
  std::getline(merges, line);
  while (std::getline(merges, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) j["model"]["merges"].push_back(line);
  }
  const Tokenizer tok = Tokenizer::from_json_text(j.dump(), "qwen2 + R1 tokens");
  const ChatTemplate t = ChatTemplate::by_name("deepseek-r1");
  for (const ChatCase& c : golden_cases()) {
    const std::vector<int32_t> ids = tok.encode(t.apply(c.messages, true), true);
    EXPECT_EQ(ids, c.ids_qwen2) << c.note;
    EXPECT_EQ(std::count(ids.begin(), ids.end(), 151646), 1) << "exactly one BOS: " << c.note;
  }
}

TEST(ChatTemplateTest, DeepSeekR1TokenIdsWithTinyTokenizer) {
  const Tokenizer tok = Tokenizer::from_json_text(make_tiny_tokenizer_json().dump(), "tiny");
  const std::vector<Message> messages = {{"user", "What is 1+1?"}};
  const std::vector<int32_t> ids =
      tok.encode(ChatTemplate::by_name("deepseek-r1").apply(messages, true), true);
  const std::vector<int32_t> body = tok.encode("What is 1+1?", false);
  std::vector<int32_t> expected = {*tok.token_id("<｜begin▁of▁sentence｜>"),
                                   *tok.token_id("<｜User｜>")};
  expected.insert(expected.end(), body.begin(), body.end());
  expected.push_back(*tok.token_id("<｜Assistant｜>"));
  expected.push_back(*tok.token_id("<think>"));
  expected.push_back(*tok.token_id("Ċ"));  // "\n" in the byte-level alphabet
  EXPECT_EQ(ids, expected);
}

TEST(ChatTemplateTest, ChatMlAndLlama3Layouts) {
  const std::vector<Message> messages = {
      {"user", " Hi "}, {"assistant", "Hello"}, {"user", "2+2?"}};
  // Qwen2-Instruct template: default system message when none is given.
  EXPECT_EQ(ChatTemplate::by_name("chatml").apply(messages, true),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
            "<|im_start|>user\n Hi <|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n"
            "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n");
  // Meta-Llama-3-Instruct template: contents trimmed.
  EXPECT_EQ(ChatTemplate::by_name("llama3").apply(messages, false),
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nHello<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>");
  EXPECT_EQ(ChatTemplate::by_name("raw").apply(messages, true), " Hi Hello2+2?");
}

TEST(ChatTemplateTest, RecognisedFromSharedR1TokenizerConfig) {
  const auto dir = shared_tokenizer_dir("deepseek-r1-distill-qwen");
  if (dir.empty()) GTEST_SKIP() << "../shared/tokenizers/deepseek-r1-distill-qwen is absent";
  EXPECT_EQ(ChatTemplate::load(dir.string(), "").kind(), ChatTemplateKind::kDeepSeekR1);
  EXPECT_EQ(ChatTemplate::load((dir / "tokenizer_config.json").string(), "").kind(),
            ChatTemplateKind::kDeepSeekR1);
  EXPECT_EQ(ChatTemplate::load(dir.string(), "raw").kind(), ChatTemplateKind::kRaw);
}

TEST(ChatTemplateTest, RecognisedFromConfigsAndOverrideFiles) {
  TempDir dir;
  dir.write("tokenizer_config.json",
            nlohmann::json({{"chat_template",
                             "{% if messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\n"
                             "You are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
                             "{% for message in messages %}{{'<|im_start|>' + message['role'] + "
                             "'\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"}})
                .dump());
  EXPECT_EQ(ChatTemplate::load(dir.path.string(), "").kind(), ChatTemplateKind::kChatMl);
  dir.write("llama.jinja", "{{ '<|start_header_id|>' + message['role'] }}{{ '<|eot_id|>' }}");
  EXPECT_EQ(ChatTemplate::load(dir.path.string(), (dir.path / "llama.jinja").string()).kind(),
            ChatTemplateKind::kLlama3);
  // No template at all, but a tokenizer.json with the R1 markers (the tiny model's case).
  TempDir bare;
  bare.write("tokenizer.json", make_tiny_tokenizer_json().dump());
  EXPECT_EQ(ChatTemplate::load(bare.path.string(), "").kind(), ChatTemplateKind::kDeepSeekR1);
}

TEST(ChatTemplateTest, UnknownTemplatesNameTheBuiltIns) {
  TempDir dir;
  dir.write("tokenizer_config.json", R"({"chat_template": "[INST] {{ message }} [/INST]"})");
  for (const std::string& override_name : {std::string(""), std::string("mistral")}) {
    try {
      ChatTemplate::load(dir.path.string(), override_name);
      FAIL() << "expected an error for override \"" << override_name << "\"";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("deepseek-r1, chatml, qwen2.5, smollm, llama3, raw"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_THROW(ChatTemplate::by_name("deepseek"), std::invalid_argument);
  EXPECT_THROW(ChatTemplate::by_name("deepseek-r1").apply({{Message{"tool", "x"}}}, true),
               std::invalid_argument);
}

TEST(ChatTemplateTest, ChatMlVariantsAreToldApartOrRefused) {
  const std::string head = "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
                           "'<|im_end|>'}}";
  EXPECT_EQ(ChatTemplate::recognise(head + "You are a helpful assistant.", "t").name(), "chatml");
  EXPECT_EQ(ChatTemplate::recognise(head + "{% if tools %}You are Qwen, created by Alibaba Cloud. "
                                           "You are a helpful assistant.",
                                    "t")
                .name(),
            "qwen2.5");
  EXPECT_EQ(ChatTemplate::recognise(
                head + "You are a helpful AI assistant named SmolLM, trained by Hugging Face", "t")
                .name(),
            "smollm");
  // No default system message, another one, or reasoning handling (Qwen3, QwQ): refused, and the
  // message says how to choose.
  for (const std::string& text :
       {head, head + "You are a math tutor.",
        head + "You are a helpful assistant.{% if '</think>' in content %}<think>"}) {
    try {
      ChatTemplate::recognise(text, "model.gguf: tokenizer.chat_template");
      ADD_FAILURE() << "expected a refusal of " << text;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("--chat-template"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("model.gguf"), std::string::npos) << e.what();
    }
  }
}

TEST(ChatTemplateTest, DefaultSystemMessages) {
  const std::vector<Message> user = {{"user", "Hi"}};
  EXPECT_EQ(ChatTemplate::by_name("qwen2.5").apply(user, false),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
            "assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
  EXPECT_EQ(ChatTemplate::by_name("smollm").apply(user, true),
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
            "Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  const std::vector<Message> with_system = {{"system", "S"}, {"user", "Hi"}};
  EXPECT_EQ(ChatTemplate::by_name("smollm").apply(with_system, false),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
  // Qwen2.5 tests messages[0] outside its loop: an empty conversation still gets the default.
  EXPECT_EQ(ChatTemplate::by_name("qwen2.5").apply(std::vector<Message>{}, false),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
            "assistant.<|im_end|>\n");
  EXPECT_EQ(ChatTemplate::by_name("chatml").apply(std::vector<Message>{}, false), "");
}

TEST(ChatTemplateTest, ChatTemplateJinjaWinsOverTheConfig) {
  // transformers' from_pretrained: chat_template.jinja takes priority over tokenizer_config.json.
  TempDir dir;
  dir.write("tokenizer_config.json",
            R"({"chat_template": "{{ '<|start_header_id|>' }}{{ '<|eot_id|>' }}"})");
  EXPECT_EQ(ChatTemplate::load(dir.path.string(), "").name(), "llama3");
  dir.write("chat_template.jinja",
            "<|im_start|><|im_end|>You are a helpful AI assistant named SmolLM, trained by "
            "Hugging Face");
  EXPECT_EQ(ChatTemplate::load(dir.path.string(), "").name(), "smollm");
}

}  // namespace
}  // namespace boxed::inference::tokenizer
