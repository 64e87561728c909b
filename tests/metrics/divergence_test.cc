// summarize_divergence: hand-computed means, standard errors, quantiles and perplexities.
#include <cmath>

#include <gtest/gtest.h>

#include "metrics/divergence.h"

namespace boxed::metrics {
namespace {

TEST(Divergence, QuantilesInterpolateBetweenOrderStatistics) {
  const std::vector<double> v = {4, 1, 3, 2};  // sorted 1 2 3 4
  EXPECT_DOUBLE_EQ(quantile(v, 0.5), 2.5);     // position 1.5
  EXPECT_DOUBLE_EQ(quantile(v, 0.99), 3.97);   // position 2.97
  EXPECT_DOUBLE_EQ(quantile(v, 0), 1);
  EXPECT_DOUBLE_EQ(quantile(v, 1), 4);
  EXPECT_DOUBLE_EQ(quantile({7}, 0.5), 7);
}

TEST(Divergence, MeanUncertaintyIsTheStandardError) {
  const std::vector<double> v = {1, 2, 3, 4};  // population variance 1.25, SE sqrt(1.25 / 3)
  const Estimate e = mean_with_uncertainty(v);
  EXPECT_DOUBLE_EQ(e.value, 2.5);
  EXPECT_NEAR(e.uncertainty, std::sqrt(1.25 / 3), 1e-15);
  EXPECT_EQ(mean_with_uncertainty(std::vector<double>{5}).uncertainty, 0);
}

TEST(Divergence, SummaryOfFourTokens) {
  const std::vector<double> kld = {0, 0.1, 0.2, 0.7};
  const std::vector<double> nll_b = {1, 2, 1, 2}, nll_c = {1, 2, 2, 3};
  const std::vector<uint8_t> same = {1, 1, 0, 1};
  const DivergenceSummary s = summarize_divergence(kld, nll_b, nll_c, same);
  EXPECT_EQ(s.n_tokens, 4);
  EXPECT_DOUBLE_EQ(s.kld.mean, 0.25);
  EXPECT_DOUBLE_EQ(s.kld.median, 0.15);
  EXPECT_DOUBLE_EQ(s.kld.max, 0.7);
  EXPECT_NEAR(s.kld.p99, 0.2 + 0.97 * 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(s.top1_agreement.value, 0.75);
  EXPECT_NEAR(s.top1_agreement.uncertainty, std::sqrt(0.75 * 0.25 / 3), 1e-15);
  EXPECT_NEAR(s.ppl_base.value, std::exp(1.5), 1e-12);
  EXPECT_NEAR(s.ppl_base.uncertainty, std::exp(1.5) * std::sqrt(0.25 / 3), 1e-12);
  EXPECT_NEAR(s.ppl_candidate.value, std::exp(2.0), 1e-12);
  EXPECT_DOUBLE_EQ(s.ln_ppl_ratio.value, 0.5);
  EXPECT_THROW(summarize_divergence(kld, nll_b, nll_c, std::vector<uint8_t>{1}), std::invalid_argument);
  EXPECT_THROW(summarize_divergence({}, {}, {}, {}), std::invalid_argument);
}

}  // namespace
}  // namespace boxed::metrics
