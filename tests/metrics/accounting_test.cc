#include "metrics/accounting.h"

#include <gtest/gtest.h>

#include <vector>

#include "metrics/pass_at_k.h"

namespace boxed::metrics {
namespace {

TEST(Accounting, CountsAndRates) {
  const std::vector<SampleFlags> s = {
      {.truncated = true, .error = false, .answered = false, .from_thinking = false},
      {.truncated = false, .error = false, .answered = true, .from_thinking = true},
      {.truncated = false, .error = true, .answered = false, .from_thinking = false},
      {.truncated = false, .error = false, .answered = true, .from_thinking = false},
  };
  const Tally t = tally(s);
  EXPECT_EQ(t.n, 4);
  EXPECT_EQ(t.truncated, 1);
  EXPECT_EQ(t.errors, 1);
  EXPECT_EQ(t.no_answer, 2);
  EXPECT_EQ(t.from_thinking, 1);
  EXPECT_DOUBLE_EQ(t.truncation_rate, 0.25);
  EXPECT_DOUBLE_EQ(t.no_answer_rate, 0.5);
  EXPECT_DOUBLE_EQ(t.from_thinking_rate, 0.25);
}

TEST(Accounting, FromThinkingCountsOnlyAnsweredSamples) {
  const std::vector<SampleFlags> s = {{.answered = false, .from_thinking = true}};
  EXPECT_EQ(tally(s).from_thinking, 0);
}

TEST(Accounting, LengthSummaryHandComputed) {
  const std::vector<int64_t> tokens = {400, 100, 300, 200};
  const LengthSummary l = summarize_lengths(tokens);
  EXPECT_DOUBLE_EQ(l.mean, 250);
  EXPECT_DOUBLE_EQ(l.median, 250);   // between 200 and 300
  EXPECT_NEAR(l.p95, 385, 1e-9);     // h = 3 * 0.95 = 2.85 -> 300 + 0.85 * 100
  EXPECT_EQ(l.max, 400);
  const std::vector<int64_t> none;
  EXPECT_DOUBLE_EQ(summarize_lengths(none).mean, 0);
}

TEST(PassAtKList, PowersOfTwoThenN) {
  EXPECT_EQ(report_ks(64), (std::vector<int64_t>{1, 2, 4, 8, 16, 32, 64}));
  EXPECT_EQ(report_ks(48), (std::vector<int64_t>{1, 2, 4, 8, 16, 32, 48}));
  EXPECT_EQ(report_ks(1), (std::vector<int64_t>{1}));
  EXPECT_TRUE(report_ks(0).empty());
}

}  // namespace
}  // namespace boxed::metrics
