// The RE2 translation of the Qwen2 and Llama-3 Split regexes (with the hand-written `\s+(?!\S)`
// step), of GPT-2's ByteLevel regex and of SmolLM2's digits-then-GPT-2, against Hugging Face tokenizers' Oniguruma pieces for
// the 70 golden inputs
// (tests/data/tokenizer/pre_tokenizer_golden.jsonl, tools/tokenizer/make_golden.py), and the
// pattern table.
#include "inference/tokenizer/pre_tokenizer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "inference/tokenizer/byte_level.h"
#include "tests/inference/tokenizer/test_paths.h"

namespace boxed::inference::tokenizer {
namespace {

std::vector<std::string> pieces_of(const PreTokenizer& pre, const std::string& text) {
  std::vector<std::string_view> views;
  pre.split(text, views);
  return {views.begin(), views.end()};
}

TEST(PreTokenizerTest, MatchesOnigurumaPiecesOnGoldenInputs) {
  std::istringstream in(testing::read_text(testing::source_dir() / "tests" / "data" / "tokenizer" /
                                           "pre_tokenizer_golden.jsonl"));
  const PreTokenizer qwen2 = PreTokenizer::for_family(PreFamily::kQwen2);
  const PreTokenizer llama3 = PreTokenizer::for_family(PreFamily::kLlama3);
  const PreTokenizer gpt2 = PreTokenizer::for_family(PreFamily::kGpt2);
  const PreTokenizer smollm = PreTokenizer::for_family(PreFamily::kSmolLm);
  int n_rows = 0;
  for (std::string line; std::getline(in, line); ++n_rows) {
    const auto row = nlohmann::json::parse(line);
    const std::string text = row["text"];
    const std::string label = row["note"].get<std::string>() + ": " + nlohmann::json(text).dump();
    EXPECT_EQ(pieces_of(qwen2, text), row["qwen2"].get<std::vector<std::string>>()) << label;
    EXPECT_EQ(pieces_of(llama3, text), row["llama3"].get<std::vector<std::string>>()) << label;
    std::vector<std::string> gpt2_pieces = pieces_of(gpt2, text);
    for (std::string& piece : gpt2_pieces) piece = to_byte_level(piece);
    EXPECT_EQ(gpt2_pieces, row["gpt2_byte_level"].get<std::vector<std::string>>()) << label;
    std::vector<std::string> smollm_pieces = pieces_of(smollm, text);
    for (std::string& piece : smollm_pieces) piece = to_byte_level(piece);
    EXPECT_EQ(smollm_pieces, row["smollm_byte_level"].get<std::vector<std::string>>()) << label;
  }
  EXPECT_EQ(n_rows, 70);
}

TEST(PreTokenizerTest, LookaheadStepOnHandPickedCases) {
  // Worked by hand from the Oniguruma semantics of `\s+(?!\S)|\s+`.
  const PreTokenizer pre = PreTokenizer::for_family(PreFamily::kQwen2);
  using V = std::vector<std::string>;
  EXPECT_EQ(pieces_of(pre, "a   b"), (V{"a", "  ", " b"}));    // run gives its last space back
  EXPECT_EQ(pieces_of(pre, "a   "), (V{"a", "   "}));          // at the end the run stays whole
  EXPECT_EQ(pieces_of(pre, "a  1"), (V{"a", " ", " ", "1"}));  // " 1" is no piece: \s+ alone
  EXPECT_EQ(pieces_of(pre, "\n  x"), (V{"\n", " ", " x"}));    // \s*[\r\n]+ first, then a run
  EXPECT_EQ(pieces_of(pre, "a\u3000\u3000b"), (V{"a", "\u3000", "\u3000b"}));  // Unicode space
}

TEST(PreTokenizerTest, SmolLmSplitsDigitsBeforeTheRegex) {
  // Worked by hand: digits alone; a whitespace run before a digit ends its text, so the
  // lookahead holds and the run stays whole (the GPT-2 regex alone would give " 1" a space).
  const PreTokenizer pre = PreTokenizer::for_family(PreFamily::kSmolLm);
  using V = std::vector<std::string>;
  EXPECT_EQ(pieces_of(pre, "x  12 y"), (V{"x", "  ", "1", "2", " y"}));
  EXPECT_EQ(pieces_of(pre, "a\u0663b"), (V{"a", "\u0663", "b"}));  // Arabic-Indic three
  const PreTokenizer gpt2 = PreTokenizer::for_family(PreFamily::kGpt2);
  EXPECT_EQ(pieces_of(gpt2, "x  12 y"), (V{"x", " ", " 12", " y"}));
}

TEST(PreTokenizerTest, GgufPreNames) {
  // llama.cpp llama-vocab.cpp's mapping of tokenizer.ggml.pre.
  EXPECT_EQ(pre_family_from_gguf_pre("qwen2"), PreFamily::kQwen2);
  EXPECT_EQ(pre_family_from_gguf_pre("deepseek-r1-qwen"), PreFamily::kQwen2);
  EXPECT_EQ(pre_family_from_gguf_pre("llama-bpe"), PreFamily::kLlama3);
  EXPECT_EQ(pre_family_from_gguf_pre("smollm"), PreFamily::kSmolLm);
  EXPECT_EQ(pre_family_from_gguf_pre("gpt2"), PreFamily::kGpt2);
  EXPECT_EQ(pre_family_from_gguf_pre("llama3"), std::nullopt);  // a boxed name, not a GGUF one
  EXPECT_EQ(pre_family_from_gguf_pre("deepseek-llm"), std::nullopt);
}

TEST(PreTokenizerTest, PatternTable) {
  for (PreFamily f : {PreFamily::kQwen2, PreFamily::kLlama3, PreFamily::kGpt2}) {
    EXPECT_EQ(pre_family_from_pattern(pre_family_pattern(f)), f);
    EXPECT_EQ(pre_family_from_name(pre_family_name(f)), f);
  }
  // A pattern that differs by one character is not a known family.
  std::string almost(pre_family_pattern(PreFamily::kQwen2));
  almost.replace(almost.find("\\p{N}|"), 6, "\\p{N}+|");
  EXPECT_EQ(pre_family_from_pattern(almost), std::nullopt);
  EXPECT_EQ(pre_family_from_name("smollm"), PreFamily::kSmolLm);
  EXPECT_EQ(pre_family_from_name("bert"), std::nullopt);
}

}  // namespace
}  // namespace boxed::inference::tokenizer
