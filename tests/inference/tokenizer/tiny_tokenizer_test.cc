// The tiny model's tokenizer: its tokenizer.json loads with the real loader, has the promised
// size and special tokens, is the same on every call, and round-trips text.
#include "inference/tokenizer/tiny_tokenizer.h"

#include <gtest/gtest.h>

#include <sstream>

#include "inference/tokenizer/tokenizer.h"
#include "tests/inference/tokenizer/test_paths.h"

namespace boxed::inference::tokenizer {
namespace {

const Tokenizer& tiny() {
  static const Tokenizer tok =
      Tokenizer::from_json_text(make_tiny_tokenizer_json().dump(), "tiny tokenizer.json");
  return tok;
}

TEST(TinyTokenizerTest, SizeAndSpecialTokenIds) {
  EXPECT_EQ(tiny().vocab_size(), kTinyVocabSize);
  const int32_t first_added = 256 + kTinyMergeCount;
  EXPECT_EQ(tiny().token_id("<｜begin▁of▁sentence｜>"), first_added);
  EXPECT_EQ(tiny().token_id("<｜end▁of▁sentence｜>"), first_added + 1);
  EXPECT_EQ(tiny().token_id("<｜User｜>"), first_added + 2);
  EXPECT_EQ(tiny().token_id("<｜Assistant｜>"), first_added + 3);
  EXPECT_EQ(tiny().token_id("<think>"), first_added + 4);
  EXPECT_EQ(tiny().token_id("</think>"), first_added + 5);
  EXPECT_TRUE(tiny().is_special(first_added));
  EXPECT_FALSE(tiny().is_special(first_added + 4));
  EXPECT_EQ(tiny().pre_name(), "qwen2");
}

TEST(TinyTokenizerTest, Deterministic) {
  EXPECT_EQ(make_tiny_tokenizer_json(), make_tiny_tokenizer_json());
}

TEST(TinyTokenizerTest, LearntFrequentWordsOfItsCorpus) {
  // Words the built-in corpus repeats become single tokens; digits stay single (Qwen2 split).
  for (const char* word : {" the", "\\boxed", " answer"}) {
    EXPECT_EQ(tiny().encode(word).size(), 1u) << word;
  }
  EXPECT_EQ(tiny().encode("2024").size(), 4u);
}

// Hugging Face tokenizers, loading the tokenizer.json of `boxed make-tiny-model`, encodes the
// golden inputs to these ids (tests/data/tokenizer/tiny_golden.jsonl, make_golden.py --tiny).
// A change to the tiny vocabulary shows up here first.
TEST(TinyTokenizerTest, MatchesHuggingFaceOnGoldenInputs) {
  std::istringstream in(testing::read_text(testing::source_dir() / "tests" / "data" / "tokenizer" /
                                           "tiny_golden.jsonl"));
  int n_rows = 0;
  for (std::string line; std::getline(in, line); ++n_rows) {
    const auto row = nlohmann::json::parse(line);
    const std::string text = row["text"];
    EXPECT_EQ(tiny().encode(text, true), row["ids"].get<std::vector<int32_t>>()) << row["note"];
    EXPECT_EQ(tiny().encode(text, false), row["ids_plain"].get<std::vector<int32_t>>())
        << row["note"];
    EXPECT_EQ(tiny().decode(row["ids"].get<std::vector<int32_t>>()), row["decoded"]);
  }
  EXPECT_EQ(n_rows, 70);
}

TEST(TinyTokenizerTest, RoundTrips) {
  const std::string texts[] = {
      "The answer is \\boxed{42}.",
      "Let $x^2 + y^2 = 1$; then\n\n  x = \\cos\\theta.",
      "Unicode: Größe, 日本語, emoji 🙂, tabs\t\tand   spaces   ",
      "<think>\nWait, 2+2=4.\n</think>\n\nSo \\boxed{4}",
  };
  for (const std::string& text : texts) {
    const std::vector<int32_t> ids = tiny().encode(text);
    for (int32_t id : ids) {
      EXPECT_GE(id, 0);
      EXPECT_LT(id, kTinyVocabSize);
    }
    EXPECT_EQ(tiny().decode(ids), text);
  }
}

TEST(TinyTokenizerTest, SpecialTokensParsedOnlyWhenAsked) {
  const std::string text = "<｜begin▁of▁sentence｜><｜User｜>hi";
  const std::vector<int32_t> parsed = tiny().encode(text, true);
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[0], *tiny().token_id("<｜begin▁of▁sentence｜>"));
  EXPECT_EQ(parsed[1], *tiny().token_id("<｜User｜>"));
  // As plain text BOS is spelled out in bytes; the non-special <｜User｜> is still recognised.
  const std::vector<int32_t> plain = tiny().encode(text, false);
  EXPECT_GT(plain.size(), 3u);
  EXPECT_NE(plain[0], parsed[0]);
  EXPECT_EQ(tiny().decode(plain), text);
}

}  // namespace
}  // namespace boxed::inference::tokenizer
