// Table-driven extraction tests: tests/data/metrics/extract_cases.jsonl (written by
// make_extract_cases.py beside it; every row carries a note saying why it is there).
#include "metrics/extract.h"

#include <gtest/gtest.h>

#include "tests/metrics/case_table.h"

namespace boxed::metrics {
namespace {

TEST(ExtractCases, EveryRowOfTheTable) {
  const auto rows = testing::load_cases("extract_cases.jsonl");
  ASSERT_GE(rows.size(), 100u);
  for (const auto& row : rows) {
    const auto& c = row.json;
    SCOPED_TRACE("extract_cases.jsonl:" + std::to_string(row.line) + " — " + c.at("note").get<std::string>());
    const ExtractMode mode = c.at("mode") == "strict" ? ExtractMode::kStrict : ExtractMode::kFlexible;
    const Extraction e = extract_answer(c.at("text").get<std::string>(), testing::format_of(c.at("format")), mode);
    if (c.at("answer").is_null()) {
      EXPECT_FALSE(e.answer.has_value()) << "found: " << e.answer.value_or("");
    } else {
      ASSERT_TRUE(e.answer.has_value());
      EXPECT_EQ(*e.answer, c.at("answer").get<std::string>());
    }
    EXPECT_EQ(to_string(e.source), c.at("source").get<std::string>());
    EXPECT_EQ(e.from_thinking, c.at("from_thinking").get<bool>());
  }
}

TEST(Extract, SourceNames) {
  EXPECT_EQ(to_string(AnswerSource::kNone), "none");
  EXPECT_EQ(to_string(AnswerSource::kBoxed), "boxed");
  EXPECT_EQ(to_string(AnswerSource::kMarker), "marker");
  EXPECT_EQ(to_string(AnswerSource::kLastNumber), "last_number");
  EXPECT_EQ(to_string(AnswerSource::kChoicePattern), "choice_pattern");
  EXPECT_EQ(to_string(ExtractMode::kStrict), "strict");
  EXPECT_EQ(to_string(ExtractMode::kFlexible), "flexible");
}

}  // namespace
}  // namespace boxed::metrics
