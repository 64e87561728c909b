// The last \boxed{} of every MATH-500 reference solution extracts to that row's "answer", grades
// equal to it, and parses into a structure (not the text fallback) unless the answer is words.
// Data: ../shared/datasets/math500/test.jsonl beside the repository (HuggingFaceH4/MATH-500); the
// test skips, saying so, when it is absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "metrics/extract.h"
#include "metrics/grade.h"
#include "metrics/math_latex.h"
#include "metrics/math_structure.h"
#include "tests/metrics/case_table.h"

namespace boxed::metrics {
namespace {

std::filesystem::path math500_path() {
  return std::filesystem::path(testing::source_dir()) / ".." / "shared" / "datasets" / "math500" /
         "test.jsonl";
}

TEST(Math500, ReferenceSolutionsExtractAndGradeToTheirAnswer) {
  const auto path = math500_path();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "MATH-500 not found at " << path << "; skipped";
  std::ifstream in(path);
  std::string line;
  int n_rows = 0, n_words = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++n_rows;
    const auto row = nlohmann::json::parse(line);
    const std::string solution = row.at("solution"), answer = row.at("answer");
    const std::string id = row.at("unique_id");
    const Extraction e = extract_answer(solution, AnswerFormat::kMath, ExtractMode::kStrict);
    ASSERT_TRUE(e.answer.has_value()) << id;
    EXPECT_EQ(*e.answer, answer) << id;
    EXPECT_EQ(e.source, AnswerSource::kBoxed) << id;
    EXPECT_TRUE(answers_equal(answer, *e.answer, AnswerFormat::kMath)) << id;
    // The grader must understand every gold, not fall back to comparing strings.
    const Answer parsed = parse_answer(clean_latex(answer).text);
    const bool words = answer.find("\\text{") != std::string::npos && parsed.kind == AnswerKind::kText;
    n_words += words ? 1 : 0;
    if (!words) {
      EXPECT_NE(parsed.kind, AnswerKind::kText) << id << ": " << answer;
    }
  }
  EXPECT_EQ(n_rows, 500);
  EXPECT_LE(n_words, 10);  // "\text{Evelyn}", "\text{east}", ... a handful of word answers
}

}  // namespace
}  // namespace boxed::metrics
