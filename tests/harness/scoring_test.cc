// score_task on small hand-made cases: every expected number below is computed by hand in the
// comments, not by the code under test.
#include "harness/scoring.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "datasets/prompt.h"

namespace boxed::harness {
namespace {

std::string fixture(const std::string& name) {
  const char* dir = std::getenv("BOXED_SOURCE_DIR");
  return std::string(dir ? dir : BOXED_SOURCE_DIR_PATH) + "/tests/data/datasets/" + name;
}

CompletionRecord rec(std::string id, int sample, std::string text, std::string finish = "stop", int64_t tokens = 0) {
  return {.problem_id = std::move(id), .sample = sample, .text = std::move(text), .finish_reason = std::move(finish),
          .completion_tokens = tokens};
}

// aime_string_answers.jsonl: 60 -> "049", 61 -> "006", 62 -> "110"; n = 4.
std::vector<CompletionRecord> aime_case() {
  return {
      // 60: strict answers 49, 049, none, 50 -> correct 1,1,0,0; flexible reads "answer is 50"
      rec("60", 0, "</think> so \\boxed{49}", "stop", 10), rec("60", 1, "\\boxed{049}", "stop", 20),
      rec("60", 2, "</think> The final answer is 50.", "stop", 30), rec("60", 3, "\\boxed{50}", "stop", 40),
      // 61: two boxed 6, one truncated inside the thinking part with a box, one truncated without
      rec("61", 0, "\\boxed{6}", "stop", 50), rec("61", 1, "\\boxed{6}", "stop", 60),
      rec("61", 2, "<think>maybe \\boxed{6}", "length", 70), rec("61", 3, "<think> let me see", "length", 80),
      // 62: only a marker gives the right answer; three boxed 11
      rec("62", 0, "</think> Answer: 110", "stop", 90), rec("62", 1, "\\boxed{11}", "stop", 100),
      rec("62", 2, "\\boxed{11}", "stop", 110), rec("62", 3, "\\boxed{11}", "stop", 120)};
}

reports::TaskReport score(const std::string& task, const std::string& file, const std::vector<CompletionRecord>& c,
                          ScoreOptions options = {}, std::vector<reports::SampleRow>* samples = nullptr,
                          uint64_t seed = 0) {
  const datasets::TaskSpec& spec = resolve_task(task);
  const datasets::LoadedDataset data = datasets::load_dataset(spec, fixture(file));
  RunIdentity id;
  id.seed = seed;
  return score_task(spec, data, c, id, options, samples);
}

double at_k(const std::vector<reports::AtK>& v, int k) {
  for (const auto& a : v) {
    if (a.k == k) return a.value;
  }
  ADD_FAILURE() << "no k=" << k;
  return -1;
}

TEST(ScoreTask, HandComputedAimeCase) {
  std::vector<reports::SampleRow> samples;
  const reports::TaskReport t = score("aime24", "aime_string_answers.jsonl", aime_case(), {}, &samples);
  EXPECT_EQ(t.n_samples, 4);
  EXPECT_EQ(t.n_problems, 3);
  EXPECT_EQ(t.primary_mode, "strict");
  ASSERT_EQ(t.modes.size(), 2u);
  const reports::ModeMetrics& strict = t.modes[0];
  const reports::ModeMetrics& flexible = t.modes[1];
  ASSERT_EQ(strict.mode, "strict");
  // strict correct: 60: 2/4, 61: 3/4 (the box in the truncated thinking counts), 62: 0/4
  EXPECT_NEAR(strict.pass_at_1.value, (0.5 + 0.75 + 0.0) / 3, 1e-12);
  // flexible adds 62's "Answer: 110"; 60's "final answer is 50" is wrong
  EXPECT_NEAR(flexible.pass_at_1.value, (0.5 + 0.75 + 0.25) / 3, 1e-12);
  // pass@2 strict: 60: 1 - C(2,2)/C(4,2) = 5/6; 61: 1 (only one wrong); 62: 0
  EXPECT_NEAR(at_k(strict.pass_at_k, 2), (5.0 / 6 + 1 + 0) / 3, 1e-12);
  EXPECT_NEAR(at_k(strict.pass_at_k, 4), (1 + 1 + 0) / 3.0, 1e-12);
  // cons@4 strict: 60: {49, 049} = 2 votes beat 50 -> 1; 61: 6 -> 1; 62: 11 -> 0
  EXPECT_NEAR(strict.cons_at_n, 2.0 / 3, 1e-12);
  // flexible: 60: {49,049} 2 vs {50,50} 2 -> tie, expected credit 1/2; 61: 1; 62: 11 (3) vs 110 (1) -> 0
  EXPECT_NEAR(flexible.cons_at_n, (0.5 + 1 + 0) / 3, 1e-12);
  // maj@1 strict = first sample's verdict: 1, 1, 0 (62's first has no box)
  EXPECT_NEAR(at_k(strict.maj_at_k, 1), 2.0 / 3, 1e-12);
  // no answer: strict 60/s2, 61/s3, 62/s0 = 3 of 12; flexible only 61/s3
  EXPECT_NEAR(strict.no_answer_rate, 3.0 / 12, 1e-12);
  EXPECT_NEAR(flexible.no_answer_rate, 1.0 / 12, 1e-12);
  // Accounting (primary = strict): 2 truncated, 1 answered only in the thinking part.
  EXPECT_EQ(t.accounting.n_samples, 12);
  EXPECT_EQ(t.accounting.n_truncated, 2);
  EXPECT_EQ(t.accounting.n_no_answer, 3);
  EXPECT_EQ(t.accounting.n_from_thinking, 1);
  EXPECT_NEAR(t.accounting.truncation_rate, 2.0 / 12, 1e-12);
  // tokens 10..120: mean 65, median 65, p95 = 110 + 0.45 * 10 (h = 11 * 0.95 = 10.45)
  EXPECT_DOUBLE_EQ(t.accounting.completion_tokens.mean, 65);
  EXPECT_DOUBLE_EQ(t.accounting.completion_tokens.median, 65);
  EXPECT_NEAR(t.accounting.completion_tokens.p95, 114.5, 1e-9);
  EXPECT_EQ(t.accounting.completion_tokens.max, 120);
  // Per-problem rows.
  ASSERT_EQ(t.problems.size(), 3u);
  const reports::ProblemRow& p60 = t.problems[0];
  EXPECT_EQ(p60.id, "60");
  EXPECT_EQ(p60.gold, "049");
  EXPECT_EQ(p60.correct, 2);
  EXPECT_EQ(p60.correct_mask, "1100");
  EXPECT_EQ(p60.correct_strict, 2);
  EXPECT_EQ(p60.correct_flexible, 2);
  ASSERT_TRUE(p60.majority_answer.has_value());
  EXPECT_EQ(*p60.majority_answer, "49");  // first-seen spelling of the group
  EXPECT_EQ(p60.majority_count, 2);
  EXPECT_TRUE(p60.majority_correct);
  EXPECT_FALSE(p60.tie);
  ASSERT_EQ(p60.top_answers.size(), 2u);
  EXPECT_EQ(p60.top_answers[1].answer, "50");
  EXPECT_FALSE(p60.top_answers[1].correct);
  EXPECT_EQ(t.problems[2].correct_mask, "0000");
  EXPECT_EQ(t.problems[2].correct_flexible, 1);
  EXPECT_EQ(*t.problems[2].majority_answer, "11");
  // Samples: one per response, both modes.
  ASSERT_EQ(samples.size(), 12u);
  EXPECT_EQ(samples[2].problem_id, "60");
  EXPECT_FALSE(samples[2].answer_strict.has_value());
  EXPECT_EQ(*samples[2].answer_flexible, "50");
  EXPECT_EQ(samples[6].finish_reason, "length");
  EXPECT_TRUE(samples[6].from_thinking);
  EXPECT_TRUE(samples[6].correct);
  EXPECT_EQ(samples[8].source, "none");
  EXPECT_TRUE(samples[8].correct_flexible);
  // The interval brackets the estimate.
  EXPECT_LE(strict.pass_at_1.ci_lower, strict.pass_at_1.value);
  EXPECT_GE(strict.pass_at_1.ci_upper, strict.pass_at_1.value);
}

TEST(ScoreTask, FirstSeenTiePolicy) {
  ScoreOptions o;
  o.tie_policy = "first_seen";
  const reports::TaskReport t = score("aime24", "aime_string_answers.jsonl", aime_case(), o);
  // flexible 60: the tie {49,049} vs {50,50} goes to 49 (seen first) -> 1
  EXPECT_NEAR(t.modes[1].cons_at_n, (1 + 1 + 0) / 3.0, 1e-12);
  EXPECT_EQ(t.tie_policy, "first_seen");
}

TEST(ScoreTask, SameReportWhateverTheThreadCount) {
  const reports::TaskReport many = score("aime24", "aime_string_answers.jsonl", aime_case());
  tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
  const reports::TaskReport single = score("aime24", "aime_string_answers.jsonl", aime_case());
  reports::RunReport a, b;
  a.tasks = {many};
  b.tasks = {single};
  EXPECT_EQ(reports::to_json(a).dump(), reports::to_json(b).dump());
}

TEST(ScoreTask, ResponsesInAnyOrderGiveTheSameReport) {
  std::vector<CompletionRecord> shuffled = aime_case();
  std::reverse(shuffled.begin(), shuffled.end());
  reports::RunReport a, b;
  a.tasks = {score("aime24", "aime_string_answers.jsonl", aime_case())};
  b.tasks = {score("aime24", "aime_string_answers.jsonl", shuffled)};
  EXPECT_EQ(reports::to_json(a).dump(), reports::to_json(b).dump());
}

void expect_error(const std::vector<CompletionRecord>& c, ScoreOptions o, const std::string& message) {
  try {
    score("aime24", "aime_string_answers.jsonl", c, o);
    ADD_FAILURE() << "no error; expected: " << message;
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(ScoreTask, MissingResponsesAreAnErrorNamingTheProblem) {
  std::vector<CompletionRecord> c = aime_case();
  c.erase(c.begin() + 5);  // 61 sample 1
  expect_error(c, {}, "problem '61' has 3 of 4 responses");
  ScoreOptions explicit_n;
  explicit_n.n_samples = 8;
  expect_error(aime_case(), explicit_n, "problem '60' has 4 of 8 responses");
}

TEST(ScoreTask, AllowPartialMarksTheProblemAndUsesItsOwnCount) {
  std::vector<CompletionRecord> c = aime_case();
  c.erase(c.begin() + 4, c.begin() + 6);  // 61 samples 0 and 1 (both correct) gone
  ScoreOptions o;
  o.allow_partial = true;
  const reports::TaskReport t = score("aime24", "aime_string_answers.jsonl", c, o);
  EXPECT_EQ(t.n_partial_problems, 1);
  EXPECT_TRUE(t.problems[1].partial);
  EXPECT_EQ(t.problems[1].n, 2);
  EXPECT_EQ(t.problems[1].correct_mask, "--10");
  // 61 now 1/2: pass@1 = (0.5 + 0.5 + 0) / 3; pass@4 averages only problems with 4 responses.
  EXPECT_NEAR(t.modes[0].pass_at_1.value, 1.0 / 3, 1e-12);
  EXPECT_NEAR(at_k(t.modes[0].pass_at_k, 4), (1 + 0) / 2.0, 1e-12);
}

TEST(ScoreTask, BadResponsesAreErrors) {
  std::vector<CompletionRecord> c = aime_case();
  c.push_back(rec("63", 0, "\\boxed{1}"));
  expect_error(c, {}, "problem_id '63' (sample 0) is not in the dataset");
  c = aime_case();
  c.push_back(rec("60", 1, "\\boxed{1}"));
  expect_error(c, {}, "problem '60': two responses for sample 1");
  ScoreOptions o;
  o.n_samples = 3;
  expect_error(aime_case(), o, "problem '60': response with sample index 3, but n = 3");
  o = {};
  o.tie_policy = "random";
  expect_error(aime_case(), o, "unknown tie policy 'random'");
}

TEST(ScoreTask, GpqaGoldLetterFollowsTheRunSeed) {
  const datasets::TaskSpec& spec = resolve_task("gpqa_diamond");
  const datasets::LoadedDataset data = datasets::load_dataset(spec, fixture("gpqa_official_layout.csv"));
  for (uint64_t seed : {0ULL, 99ULL}) {
    std::vector<CompletionRecord> c;
    for (const datasets::Problem& p : data.problems) {
      const std::string gold = datasets::build_prompt(spec, p, seed).gold;
      const std::string wrong(1, gold == "A" ? 'B' : 'A');
      c.push_back(rec(p.id, 0, "</think> Answer: " + gold));
      c.push_back(rec(p.id, 1, "</think> Answer: " + wrong));
    }
    RunIdentity id;
    id.seed = seed;
    const reports::TaskReport t = score_task(spec, data, c, id, {}, nullptr);
    EXPECT_EQ(t.primary_mode, "flexible");
    EXPECT_NEAR(t.primary().pass_at_1.value, 0.5, 1e-12);  // the "Answer: X" marker is read
    EXPECT_NEAR(t.modes[0].pass_at_1.value, 0.0, 1e-12);   // strict reads boxes only
    EXPECT_EQ(t.problems[0].choice_order, datasets::build_prompt(spec, data.problems[0], seed).choice_order);
    // Graded under the other seed's letters, the same responses score differently unless the
    // shuffles happen to agree.
  }
}

TEST(ScoreTask, Math500BreakdownsByLevelSortNumerically) {
  std::vector<CompletionRecord> c;
  const char* answers[] = {"\\frac12", "2", "(0,1)", "\\left(3,\\frac{\\pi}{2}\\right)"};
  const char* ids[] = {"test/prealgebra/1.json", "test/algebra/2.json", "test/algebra/3.json", "test/precalculus/4.json"};
  for (int i = 0; i < 4; ++i) c.push_back(rec(ids[i], 0, std::string("\\boxed{") + answers[i] + "}"));
  const reports::TaskReport t = score("math500", "math500_like.jsonl", c);
  // 0.5 = 1/2 right, 2 right, (0,1) vs (0,1] wrong (open vs closed), polar pair right
  EXPECT_NEAR(t.primary().pass_at_1.value, 0.75, 1e-12);
  std::vector<std::string> levels;
  for (const auto& b : t.breakdowns) {
    if (b.field == "level") levels.push_back(b.value);
  }
  EXPECT_EQ(levels, (std::vector<std::string>{"1", "2", "3", "10"}));
  for (const auto& b : t.breakdowns) {
    if (b.field == "subject" && b.value == "Algebra") {
      EXPECT_EQ(b.n_problems, 2);
      EXPECT_NEAR(b.pass_at_1, 0.5, 1e-12);
    }
  }
}

TEST(ResolveTask, UnknownNameSuggests) {
  try {
    resolve_task("math5000");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown task 'math5000'; did you mean 'math500'?"), std::string::npos);
  }
}

}  // namespace
}  // namespace boxed::harness

namespace boxed::harness {
namespace {

// The real sets in ../shared/datasets (skipped without them): every problem answered with its own
// gold inside \boxed{} — written the way a model would (AIME "025" as 25, AMC 27.0 as 27) — must
// score pass@1 = 1 through the task's loader, extractor and grader.
TEST(ScoreRealDatasets, GoldAnswersScoreFull) {
  const char* dir = std::getenv("BOXED_SOURCE_DIR");
  const std::string shared = std::string(dir ? dir : BOXED_SOURCE_DIR_PATH) + "/../shared/datasets/";
  int scored = 0;
  for (const char* task : {"aime24", "aime25", "amc23", "math500"}) {
    const std::string path = shared + task + "/test.jsonl";
    if (!std::filesystem::exists(path)) continue;
    const datasets::TaskSpec& spec = resolve_task(task);
    const datasets::LoadedDataset data = datasets::load_dataset(spec, path);
    std::vector<CompletionRecord> c;
    for (const datasets::Problem& p : data.problems) {
      std::string answer = p.answer;
      if (spec.grader == "integer") answer = std::to_string(std::stoll(answer));  // "025" -> "25"
      c.push_back(rec(p.id, 0, "<think>...</think> The answer is $\\boxed{" + answer + "}$."));
    }
    const reports::TaskReport t = score_task(spec, data, c, {}, {}, nullptr);
    EXPECT_DOUBLE_EQ(t.primary().pass_at_1.value, 1.0) << task;
    for (const reports::ProblemRow& row : t.problems) EXPECT_EQ(row.correct, 1) << task << " " << row.id;
    ++scored;
  }
  if (scored == 0) GTEST_SKIP() << shared << " not found: ../shared is absent, nothing to check";
}

}  // namespace
}  // namespace boxed::harness
