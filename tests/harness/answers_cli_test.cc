// `boxed extract` and `boxed grade` through the binary: JSONL in, the same lines out with the
// added fields, a summary on stderr, exit status 2 and a suggestion for an unknown --task.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/run_boxed.h"

namespace {

struct Result {
  int status = -1;
  std::string out;
};

Result run(const std::string& args) {
  const boxed::testing::RunResult r = boxed::testing::run_boxed(args);
  return {.status = r.exit_code, .out = r.output};
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '{') rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

const std::string kData = std::string(BOXED_SOURCE_DIR_PATH) + "/tests/data/metrics/";

TEST(AnswersCli, GradeAddsPredAnswerAndEqual) {
  const Result r = run("grade --task math " + kData + "cli_grade.jsonl");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 4u) << r.out;
  EXPECT_EQ(rows[0]["id"], "a");  // input fields kept, in order
  EXPECT_EQ(rows[0]["pred_answer"], "$0.5$");
  EXPECT_EQ(rows[0]["equal"], true);
  EXPECT_EQ(rows[1]["pred_answer"], "\\{1,2\\}");
  EXPECT_EQ(rows[1]["equal"], false);
  EXPECT_EQ(rows[2]["pred_answer"], "(x+1)^2");
  EXPECT_EQ(rows[2]["equal"], true);
  EXPECT_TRUE(rows[3]["pred_answer"].is_null());
  EXPECT_EQ(rows[3]["equal"], false);
  EXPECT_NE(
      r.out.find("grade: 2 of 4 equal (50.00%), 1 without an answer; task math, boxed-grader/3"),
      std::string::npos)
      << r.out;
}

TEST(AnswersCli, GradeExplainNamesTheRuleAndNormalForms) {
  Result r = run("grade --task math --explain " + kData + "cli_grade.jsonl");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 4u) << r.out;
  EXPECT_EQ(rows[0]["rule"], "value/exact_rational");
  EXPECT_EQ(rows[0]["gold_normalized"], "1/2");
  EXPECT_EQ(rows[0]["pred_normalized"], "1/2");
  EXPECT_EQ(rows[1]["rule"], "kinds_differ");  // a tuple against a set
  EXPECT_EQ(rows[2]["rule"], "value/function_at_points");
  EXPECT_EQ(rows[3]["rule"], "no_answer");
  EXPECT_TRUE(rows[3]["pred_normalized"].is_null());
  // One pair in words.
  r = run("grade --task math --gold '\\cos x' --pred 'So it is $\\sin(90^\\circ - x)$.'");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("extracted:       \\sin(90^\\circ - x)  (source: latex)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verdict:           equal\nrule:              value/function_at_points\n"), std::string::npos)
      << r.out;
  r = run("grade --task math --gold 3");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("--gold requires --pred"), std::string::npos) << r.out;
}

TEST(AnswersCli, ExtractAddsAnswerSourceAndThinking) {
  const Result r = run("extract --task aime --mode flexible " + kData + "cli_extract.jsonl");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  EXPECT_EQ(rows[0]["answer"], "204");
  EXPECT_EQ(rows[0]["source"], "last_number");
  EXPECT_EQ(rows[0]["from_thinking"], false);
  EXPECT_EQ(rows[1]["answer"], "025");
  EXPECT_EQ(rows[1]["source"], "boxed");
  EXPECT_EQ(rows[1]["normalized"], "25");
  EXPECT_TRUE(rows[2]["answer"].is_null());
  EXPECT_EQ(rows[2]["source"], "none");
}

TEST(AnswersCli, UnknownTaskSuggestsAndExits2) {
  const Result r = run("grade --task amie " + kData + "cli_grade.jsonl");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("unknown task 'amie'; did you mean 'aime'?"), std::string::npos) << r.out;
  const Result m = run("extract --task math --mode flexibel " + kData + "cli_extract.jsonl");
  EXPECT_EQ(m.status, 2);
  EXPECT_NE(m.out.find("did you mean 'flexible'?"), std::string::npos) << m.out;
}

TEST(AnswersCli, BadInputNamesFileAndLine) {
  const Result r = run("grade --task math " + kData + "cli_extract.jsonl");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("cli_extract.jsonl:1: field 'gold': expected a string"), std::string::npos)
      << r.out;
}

}  // namespace
