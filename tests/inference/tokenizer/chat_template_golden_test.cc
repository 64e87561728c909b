// Chat templates against transformers: each template text of tests/data/tokenizer/
// chat_templates.json (the real templates of the three GGUF files, the shared R1 config, and the
// Qwen2 and Llama-3 Instruct templates; written by tools/tokenizer/make_chat_template_golden.py)
// is recognised as its built-in and renders what transformers' render_jinja_template rendered
// (plus the "<think>\n" boxed adds to an R1 generation prompt, recorded as "think_added").
// gguf_tokenizer_model_test.cc checks that the GGUF files still carry these texts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "inference/tokenizer/chat_template.h"
#include "tests/inference/tokenizer/test_paths.h"

namespace boxed::inference::tokenizer {
namespace {

nlohmann::json golden() {
  return nlohmann::json::parse(testing::read_text(testing::source_dir() / "tests" / "data" /
                                                  "tokenizer" / "chat_templates.json"));
}

TEST(ChatTemplateGoldenTest, RecognisedAndRenderedAsTransformersDoes) {
  const auto templates = golden();
  ASSERT_EQ(templates.size(), 6u);
  int n_renders = 0;
  for (const auto& t : templates) {
    const std::string name = t["name"];
    const ChatTemplate tmpl = ChatTemplate::recognise(t["text"].get<std::string>(), name);
    EXPECT_EQ(tmpl.name(), t["builtin"].get<std::string>()) << name;
    for (const auto& r : t["renders"]) {
      std::vector<Message> messages;
      for (const auto& m : r["messages"]) messages.push_back({m["role"], m["content"]});
      const std::string expected =
          r["rendered"].get<std::string>() + r["think_added"].get<std::string>();
      EXPECT_EQ(tmpl.apply(messages, r["add_generation_prompt"].get<bool>()), expected)
          << name << ": " << r["note"].get<std::string>();
      ++n_renders;
    }
  }
  EXPECT_EQ(n_renders, 36);
}

TEST(ChatTemplateGoldenTest, OnlyR1GetsThinkAdded) {
  for (const auto& t : golden()) {
    for (const auto& r : t["renders"]) {
      const bool r1_generation = t["builtin"] == "deepseek-r1" && r["add_generation_prompt"];
      EXPECT_EQ(r["think_added"] == "<think>\n", r1_generation) << t["name"];
    }
  }
}

}  // namespace
}  // namespace boxed::inference::tokenizer
