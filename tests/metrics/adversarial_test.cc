// Hostile inputs of about 1 MB: extraction and grading must stay correct and bounded (answer
// length, nesting depth, parse size). Their speed is measured in tests/bench/answer_bench.cc,
// never asserted here.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "metrics/extract.h"
#include "metrics/grade.h"

namespace boxed::metrics {
namespace {

constexpr std::size_t kMegabyte = 1 << 20;

std::string repeat(std::string_view unit, std::size_t total_bytes) {
  std::string s;
  s.reserve(total_bytes + unit.size());
  while (s.size() < total_bytes) s.append(unit);
  return s;
}

Extraction strict(const std::string& text) {
  return extract_answer(text, AnswerFormat::kMath, ExtractMode::kStrict);
}

TEST(Adversarial, ManyUnclosedBoxes) {
  EXPECT_FALSE(strict(repeat("\\boxed{", kMegabyte)).answer.has_value());
  // A complete box before a megabyte of unclosed ones is still found.
  const Extraction e = strict("\\boxed{42}" + repeat("\\boxed{", kMegabyte));
  ASSERT_TRUE(e.answer.has_value());
  EXPECT_EQ(*e.answer, "42");
}

TEST(Adversarial, DeepBraces) {
  EXPECT_FALSE(strict("\\boxed" + repeat("{", kMegabyte) + "1" + repeat("}", kMegabyte)).answer);
  EXPECT_FALSE(strict("\\boxed{" + repeat("{}", kMegabyte / 2)).answer);
}

TEST(Adversarial, HugeBoxIsRejected) {
  EXPECT_FALSE(strict("\\boxed{" + std::string(kMegabyte, 'x') + "}").answer.has_value());
}

TEST(Adversarial, ManyCompleteBoxes) {
  const Extraction e = strict(repeat("\\boxed{1} then ", kMegabyte) + "\\boxed{2}");
  ASSERT_TRUE(e.answer.has_value());
  EXPECT_EQ(*e.answer, "2");
  // Adjacent boxes are joined into one answer, but at most 16 of them.
  const Extraction joined = strict(repeat("\\boxed{1}", kMegabyte));
  ASSERT_TRUE(joined.answer.has_value());
  EXPECT_EQ(std::count(joined.answer->begin(), joined.answer->end(), ','), 15);
}

TEST(Adversarial, MathEnvironmentsAndChoiceSentences) {
  const auto flexible = [](const std::string& text, AnswerFormat format) {
    return extract_answer(text, format, ExtractMode::kFlexible);
  };
  // A megabyte of unclosed "\\(" on one line: no environment, the last number is read.
  Extraction e = flexible(repeat("\\( ", kMegabyte) + " 5", AnswerFormat::kMath);
  ASSERT_TRUE(e.answer.has_value());
  EXPECT_EQ(*e.answer, "5");
  EXPECT_EQ(e.source, AnswerSource::kLastNumber);
  // Unclosed "\\[" (a multi-line environment) all over the megabyte, then an unclosed "$$".
  e = flexible(repeat("\\[ x\n", kMegabyte) + "$$ y", AnswerFormat::kMath);
  EXPECT_FALSE(e.answer.has_value());
  // Many environments: the last one wins.
  e = flexible(repeat("$x$ ", kMegabyte) + "$7$", AnswerFormat::kMath);
  ASSERT_TRUE(e.answer.has_value());
  EXPECT_EQ(*e.answer, "7");
  // One megabyte-long last sentence naming letters: two different letters are ambiguous.
  e = flexible(repeat("B ", kMegabyte) + "C", AnswerFormat::kChoice);
  EXPECT_FALSE(e.answer.has_value());
  e = flexible(repeat("so B ", kMegabyte), AnswerFormat::kChoice);
  ASSERT_TRUE(e.answer.has_value());
  EXPECT_EQ(*e.answer, "B");
}

TEST(Adversarial, ManyMarkersAndNumbers) {
  const Extraction m = extract_answer(repeat("Answer: ", kMegabyte) + "Answer: 7",
                                      AnswerFormat::kMath, ExtractMode::kFlexible);
  ASSERT_TRUE(m.answer.has_value());
  EXPECT_EQ(*m.answer, "7");
  const Extraction n = extract_answer(std::string(kMegabyte, '9'), AnswerFormat::kInteger,
                                      ExtractMode::kFlexible);
  EXPECT_FALSE(n.answer.has_value());  // a megabyte-long "number" is no answer
  const Extraction d = extract_answer(repeat("12 ", kMegabyte), AnswerFormat::kInteger,
                                      ExtractMode::kFlexible);
  ASSERT_TRUE(d.answer.has_value());
  EXPECT_EQ(*d.answer, "12");
}

TEST(Adversarial, MarkerAnswerIsBounded) {
  const Extraction m = extract_answer("Answer: " + std::string(kMegabyte, 'x'), AnswerFormat::kMath,
                                      ExtractMode::kFlexible);
  ASSERT_TRUE(m.answer.has_value());
  EXPECT_LE(m.answer->size(), kMaxAnswerBytes);
}

TEST(Adversarial, ManyThinkTags) {
  const Extraction e = strict(repeat("</think>", kMegabyte) + "\\boxed{3}");
  ASSERT_TRUE(e.answer.has_value());
  EXPECT_EQ(*e.answer, "3");
  EXPECT_FALSE(e.from_thinking);
}

TEST(Adversarial, ChoicePatterns) {
  const Extraction e = extract_answer(repeat("the answer is a ", kMegabyte) + "Answer: (B)",
                                      AnswerFormat::kChoice, ExtractMode::kFlexible);
  ASSERT_TRUE(e.answer.has_value());
  EXPECT_EQ(*e.answer, "B");
  EXPECT_FALSE(extract_answer(repeat("**", kMegabyte), AnswerFormat::kChoice, ExtractMode::kFlexible)
                   .answer.has_value());
}

TEST(Adversarial, GradingHostilePredictions) {
  // Over the answer cap: never equal, never parsed.
  EXPECT_FALSE(answers_equal("1", "1" + repeat("+0", kMegabyte), AnswerFormat::kMath));
  // Under the cap but deeper than the parser allows: rejected, no stack overflow.
  EXPECT_FALSE(answers_equal("1", repeat("(", 2000) + "1" + repeat(")", 2000), AnswerFormat::kMath));
  EXPECT_FALSE(answers_equal("1", repeat("\\sqrt{", 1000) + "1" + repeat("}", 1000), AnswerFormat::kMath));
  EXPECT_FALSE(answers_equal("2", repeat("\\frac{", 500) + "1" + repeat("}{1}", 500), AnswerFormat::kMath));
  // Power towers and factorial chains overflow to "undefined", not to a hang or a false match.
  EXPECT_FALSE(answers_equal("4", repeat("2^{", 300) + "2" + repeat("}", 300), AnswerFormat::kMath));
  EXPECT_FALSE(answers_equal("720", "6" + std::string(400, '!'), AnswerFormat::kMath));
  EXPECT_FALSE(answers_equal("10", "10^{10^{10^{10}}}", AnswerFormat::kMath));
  EXPECT_FALSE(answers_equal("1", std::string(4000, '9'), AnswerFormat::kInteger));
  EXPECT_FALSE(answers_equal("1", repeat("x", 4000), AnswerFormat::kMath));
  // A prediction with many \pm does not blow up combinatorially.
  EXPECT_FALSE(answers_equal("1", repeat("1\\pm", 1000) + "1", AnswerFormat::kMath));
  // Sane inputs right beside the hostile ones still grade.
  EXPECT_TRUE(answers_equal("1", repeat("(", 50) + "1" + repeat(")", 50), AnswerFormat::kMath));
  EXPECT_TRUE(answers_equal("720", "6!", AnswerFormat::kMath));
}

}  // namespace
}  // namespace boxed::metrics
