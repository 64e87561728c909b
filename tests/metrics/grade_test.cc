// Table-driven grading tests: tests/data/metrics/equiv_cases.jsonl (written by
// make_equiv_cases.py beside it; every row carries a note), plus the batch API, the registry and
// the exact-rational layer underneath.
#include "metrics/grade.h"

#include <gtest/gtest.h>

#include "metrics/math_rational.h"
#include "metrics/registry.h"
#include "tests/metrics/case_table.h"

namespace boxed::metrics {
namespace {

TEST(EquivCases, EveryRowOfTheTable) {
  const auto rows = testing::load_cases("equiv_cases.jsonl");
  ASSERT_GE(rows.size(), 300u);
  int n_equal = 0, n_ruled = 0;
  for (const auto& row : rows) {
    const auto& c = row.json;
    const std::string gold = c.at("gold"), pred = c.at("pred");
    const bool expected = c.at("equal");
    n_equal += expected ? 1 : 0;
    const AnswerFormat format = testing::format_of(c.at("format"));
    EXPECT_EQ(answers_equal(gold, pred, format), expected)
        << "equiv_cases.jsonl:" << row.line << " — " << c.at("note").get<std::string>()
        << "\n  gold: " << gold << "\n  pred: " << pred;
    const Verdict v = explain_equal(gold, pred, format);
    EXPECT_EQ(v.equal, expected) << "explain_equal disagrees, equiv_cases.jsonl:" << row.line;
    if (c.contains("rule")) {
      ++n_ruled;
      EXPECT_EQ(v.rule, c.at("rule").get<std::string>())
          << "equiv_cases.jsonl:" << row.line << " — " << c.at("note").get<std::string>();
    }
  }
  // Both verdicts are well represented, so a grader that always says yes (or no) fails.
  EXPECT_GT(n_equal, 100);
  EXPECT_GT(static_cast<int>(rows.size()) - n_equal, 100);
  EXPECT_GE(n_ruled, 50);  // the long-tail rows name their deciding rule
}

TEST(Grade, NormalizeGroupsEqualNumbers) {
  EXPECT_EQ(normalize_answer("0.5", AnswerFormat::kMath), normalize_answer("\\frac12", AnswerFormat::kMath));
  EXPECT_EQ(normalize_answer("0.5", AnswerFormat::kMath), "1/2");
  EXPECT_EQ(normalize_answer("025", AnswerFormat::kInteger), "25");
  EXPECT_EQ(normalize_answer("\\text{(C)}", AnswerFormat::kChoice), "C");
  EXPECT_EQ(normalize_answer("\\{2,1\\}", AnswerFormat::kMath), normalize_answer("1, 2", AnswerFormat::kMath));
  EXPECT_NE(normalize_answer("(1,2)", AnswerFormat::kMath), normalize_answer("[1,2]", AnswerFormat::kMath));
}

TEST(Grade, VersionIsNamed) { EXPECT_EQ(grader_version(), "boxed-grader/3"); }

TEST(Grade, BatchMatchesOneByOne) {
  std::vector<std::string> responses, golds;
  for (int i = 0; i < 500; ++i) {
    golds.push_back(std::to_string(i % 17));
    responses.push_back("<think>try " + std::to_string(i) + "</think> so \\boxed{" + std::to_string(i % 13) + "}");
  }
  std::vector<GradeItem> items;
  for (std::size_t i = 0; i < golds.size(); ++i) items.push_back({golds[i], responses[i]});
  const auto results = grade_batch(items, AnswerFormat::kInteger, ExtractMode::kStrict);
  ASSERT_EQ(results.size(), items.size());
  int n_equal = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const bool expected = (i % 17) == (i % 13);
    EXPECT_EQ(results[i].equal, expected) << i;
    EXPECT_EQ(results[i].extraction.answer.value_or(""), std::to_string(i % 13));
    n_equal += results[i].equal;
  }
  EXPECT_GT(n_equal, 0);
}

TEST(Registry, NamesResolve) {
  EXPECT_EQ(extractor_names(), (std::vector<std::string>{"math", "integer", "choice"}));
  EXPECT_EQ(grader_names(), (std::vector<std::string>{"math_equiv", "integer", "choice"}));
  auto g = find_grader("math_equiv");
  ASSERT_TRUE(g.has_value());
  EXPECT_TRUE((*g)("\\frac12", "0.5"));
  EXPECT_FALSE((*g)("\\frac12", "0.6"));
  auto i = find_grader("integer");
  ASSERT_TRUE(i.has_value());
  EXPECT_TRUE((*i)("25", "025"));
  auto c = find_grader("choice");
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE((*c)("B", "(B)"));
  EXPECT_FALSE(find_grader("math-equiv").has_value());
  auto e = find_extractor("choice");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ((*e)("Answer: D", ExtractMode::kFlexible).answer.value_or(""), "D");
  EXPECT_FALSE(find_extractor("boxed").has_value());
  EXPECT_EQ(format_for_task("aime"), AnswerFormat::kInteger);
  EXPECT_EQ(format_for_task("math"), AnswerFormat::kMath);
  EXPECT_EQ(format_for_task("gpqa"), AnswerFormat::kChoice);
  EXPECT_FALSE(format_for_task("amie").has_value());
}

TEST(Rational, ParseAndArithmetic) {
  EXPECT_EQ(Rational::parse_decimal("0.125")->to_string(), "1/8");
  EXPECT_EQ(Rational::parse_decimal("-.5")->to_string(), "-1/2");
  EXPECT_EQ(Rational::parse_decimal("1.2e-3")->to_string(), "3/2500");
  EXPECT_EQ(Rational::parse_decimal("7E5")->to_string(), "700000");
  EXPECT_FALSE(Rational::parse_decimal("1.2.3").has_value());
  EXPECT_FALSE(Rational::parse_decimal("e5").has_value());
  EXPECT_FALSE(Rational::parse_decimal("1" + std::string(40, '0')).has_value());  // > 2^127
  auto third = *Rational::make(1, 3);
  EXPECT_EQ(checked_add(third, third)->to_string(), "2/3");
  EXPECT_EQ(checked_div(third, *Rational::make(2, 1))->to_string(), "1/6");
  EXPECT_FALSE(checked_div(third, Rational::integer(0)).has_value());
  EXPECT_EQ(checked_pow(Rational::integer(2), 100)->to_string(), "1267650600228229401496703205376");
  EXPECT_FALSE(checked_pow(Rational::integer(2), 130).has_value());  // overflow is reported
  EXPECT_EQ(checked_pow(Rational::integer(-1), 1000001)->to_string(), "-1");
  EXPECT_EQ(checked_pow(*Rational::make(2, 3), -2)->to_string(), "9/4");
}

}  // namespace
}  // namespace boxed::metrics
