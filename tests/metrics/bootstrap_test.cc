#include "metrics/bootstrap.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "metrics/standard_error.h"
#include <tbb/global_control.h>

namespace boxed::metrics {
namespace {

TEST(Quantile, MatchesNumpyLinearInterpolation) {
  // numpy.quantile([1, 2, 3, 4], q) with the default method="linear".
  std::vector<double> v = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(quantile(v, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile(v, 1.0), 4.0);
  EXPECT_NEAR(quantile(v, 0.95), 3.85, 1e-12);  // h = 3 * 0.95 = 2.85 -> 3 + 0.85 * (4 - 3)
  std::vector<double> one = {7};
  EXPECT_DOUBLE_EQ(quantile(one, 0.3), 7.0);
  std::vector<double> none;
  EXPECT_THROW(quantile(none, 0.5), std::invalid_argument);
}

std::vector<ProblemCounts> spread(int n_problems, int n) {
  std::vector<ProblemCounts> p;
  for (int i = 0; i < n_problems; ++i) p.push_back({.n = n, .correct = (i * 7) % (n + 1)});
  return p;
}

TEST(Bootstrap, SameSeedSameIntervalOtherSeedOther) {
  const auto p = spread(30, 16);
  const Interval a = bootstrap_interval(p, {.resamples = 500, .seed = 1});
  const Interval b = bootstrap_interval(p, {.resamples = 500, .seed = 1});
  const Interval c = bootstrap_interval(p, {.resamples = 500, .seed = 2});
  EXPECT_EQ(a.lower, b.lower);
  EXPECT_EQ(a.upper, b.upper);
  EXPECT_TRUE(a.lower != c.lower || a.upper != c.upper);
}

TEST(Bootstrap, SameIntervalWhateverTheThreadCount) {
  const auto p = spread(40, 16);
  const Interval many = bootstrap_interval(p, {.resamples = 800, .seed = 21});
  const PairedDiff dm = paired_bootstrap(p, spread(40, 16), {.resamples = 800, .seed = 21}, 0.05);
  tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
  const Interval single = bootstrap_interval(p, {.resamples = 800, .seed = 21});
  const PairedDiff ds = paired_bootstrap(p, spread(40, 16), {.resamples = 800, .seed = 21}, 0.05);
  EXPECT_EQ(many.lower, single.lower);
  EXPECT_EQ(many.upper, single.upper);
  EXPECT_EQ(dm.lower_one_sided, ds.lower_one_sided);
}

TEST(Bootstrap, NoVariationGivesAPointInterval) {
  // Every problem always right or always wrong, all the same: nothing to resample.
  const std::vector<ProblemCounts> p(10, {.n = 8, .correct = 8});
  const Interval ci = bootstrap_interval(p, {.resamples = 200, .seed = 3});
  EXPECT_DOUBLE_EQ(ci.lower, 1.0);
  EXPECT_DOUBLE_EQ(ci.upper, 1.0);
}

// The two-stage bootstrap replicate is the mean of N i.i.d. draws of X, where X picks a problem
// uniformly and then resamples its n responses: E[X] = mean p_i and
// Var X = (population variance of p_i) + mean_i p_i (1 - p_i) / n_i. With many resamples the
// interval must match mean ± z * sqrt(Var X / N) (the replicate mean is nearly normal for N=200).
TEST(Bootstrap, IntervalMatchesTheExactBootstrapVariance) {
  const auto p = spread(200, 16);
  double m = 0;
  for (const auto& q : p) m += static_cast<double>(q.correct) / q.n;
  m /= static_cast<double>(p.size());
  double var_between = 0, var_within = 0;
  for (const auto& q : p) {
    const double pi = static_cast<double>(q.correct) / q.n;
    var_between += (pi - m) * (pi - m);
    var_within += pi * (1 - pi) / q.n;
  }
  var_between /= static_cast<double>(p.size());
  var_within /= static_cast<double>(p.size());
  const double sd = std::sqrt((var_between + var_within) / static_cast<double>(p.size()));
  const Interval ci = bootstrap_interval(p, {.resamples = 20000, .seed = 11, .level = 0.95});
  EXPECT_NEAR((ci.lower + ci.upper) / 2, m, 0.1 * sd);
  EXPECT_NEAR((ci.upper - ci.lower) / (2 * 1.959964 * sd), 1.0, 0.04);
}

TEST(Bootstrap, IntervalContainsTheEstimateAndIsAsWideAsTheStandardError) {
  const auto p = spread(60, 8);
  std::vector<double> per;
  for (const auto& q : p) per.push_back(static_cast<double>(q.correct) / q.n);
  const double m = mean(per);
  const double se = standard_error_of_mean(per);
  const Interval ci = bootstrap_interval(p, {.resamples = 4000, .seed = 5});
  EXPECT_LT(ci.lower, m);
  EXPECT_GT(ci.upper, m);
  // The bootstrap also resamples responses; the problem-level SE already contains that noise, so
  // the widths agree to within the small-sample differences (N=60).
  EXPECT_NEAR((ci.upper - ci.lower) / (2 * 1.96 * se), 1.0, 0.15);
}

TEST(Bootstrap, RejectsBadInput) {
  const std::vector<ProblemCounts> bad = {{.n = 4, .correct = 5}};
  EXPECT_THROW(bootstrap_interval(bad, {}), std::invalid_argument);
  const std::vector<ProblemCounts> empty;
  EXPECT_THROW(bootstrap_interval(empty, {}), std::invalid_argument);
  const std::vector<ProblemCounts> ok = {{.n = 4, .correct = 2}};
  EXPECT_THROW(bootstrap_interval(ok, {.resamples = 0}), std::invalid_argument);
  const std::vector<ProblemCounts> two = {{.n = 4, .correct = 2}, {.n = 4, .correct = 2}};
  EXPECT_THROW(paired_bootstrap(ok, two, {}, 0.05), std::invalid_argument);
  EXPECT_THROW(paired_bootstrap(ok, ok, {}, 0.0), std::invalid_argument);
}

TEST(PairedBootstrap, IdenticalDeterministicRunsHaveZeroDifference) {
  std::vector<ProblemCounts> p;
  for (int i = 0; i < 20; ++i) p.push_back({.n = 4, .correct = i % 2 == 0 ? 4 : 0});
  const PairedDiff d = paired_bootstrap(p, p, {.resamples = 500, .seed = 9}, 0.05);
  EXPECT_DOUBLE_EQ(d.diff, 0.0);
  EXPECT_DOUBLE_EQ(d.lower_one_sided, 0.0);
  EXPECT_DOUBLE_EQ(d.ci_upper, 0.0);
}

TEST(PairedBootstrap, PairingRemovesProblemDifficulty) {
  // Problems range from always-right to always-wrong; the candidate loses exactly one correct
  // response out of 16 on every problem that had one. Unpaired, problem spread would swamp this;
  // paired, the interval is narrow and entirely below zero.
  std::vector<ProblemCounts> base, cand;
  for (int i = 0; i < 40; ++i) {
    const int c = (i * 5) % 17;
    base.push_back({.n = 16, .correct = c});
    cand.push_back({.n = 16, .correct = c > 0 ? c - 1 : 0});
  }
  const PairedDiff d = paired_bootstrap(base, cand, {.resamples = 4000, .seed = 4}, 0.05);
  double expected = 0;
  for (int i = 0; i < 40; ++i) expected -= base[static_cast<size_t>(i)].correct > 0 ? 1.0 / 16 : 0;
  EXPECT_NEAR(d.diff, expected / 40, 1e-12);
  EXPECT_LT(d.lower_one_sided, d.diff);
  EXPECT_LT(d.ci_lower, d.lower_one_sided);  // two-sided 95% reaches further than one-sided 95%
  EXPECT_GT(d.ci_upper, d.diff);
  EXPECT_LT(d.ci_upper - d.ci_lower, 0.1);   // vs. a base pass@1 spread from 0 to 1
}

TEST(StandardError, HandComputed) {
  const std::vector<double> a = {0, 1};
  EXPECT_DOUBLE_EQ(standard_error_of_mean(a), 0.5);  // sd = sqrt(0.5), / sqrt(2)
  const std::vector<double> b = {0.25, 0.5, 0.75};
  EXPECT_NEAR(standard_error_of_mean(b), std::sqrt(0.125 / 2 / 3), 1e-15);
  const std::vector<double> one = {0.3};
  EXPECT_DOUBLE_EQ(standard_error_of_mean(one), 0.0);
  EXPECT_DOUBLE_EQ(mean(b), 0.5);
}

}  // namespace
}  // namespace boxed::metrics

namespace boxed::metrics {
namespace {

TEST(NormalQuantile, AgainstTabulatedValues) {
  // scipy.stats.norm.ppf
  EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-12);
  EXPECT_NEAR(normal_quantile(0.95), 1.6448536269514722, 1e-10);
  EXPECT_NEAR(normal_quantile(0.8), 0.8416212335729143, 1e-10);
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-10);
  EXPECT_NEAR(normal_quantile(0.001), -3.090232306167813, 1e-9);
  EXPECT_TRUE(std::isnan(normal_quantile(0.0)));
}

TEST(PairedBootstrap, ProblemsOnlyStandardErrorIsTheClusteredOne) {
  // Resampling problems only, the replicate spread of the paired change is the clustered
  // standard error of the per-problem differences (Miller 2024, section 2.2); the two-stage
  // scheme adds the sampling noise again and is wider.
  std::vector<ProblemCounts> base, cand;
  std::vector<double> per;
  for (int i = 0; i < 60; ++i) {
    base.push_back({.n = 8, .correct = (i * 3) % 9});
    cand.push_back({.n = 8, .correct = (i * 5) % 9});
    per.push_back((cand.back().correct - base.back().correct) / 8.0);
  }
  const PairedDiff one = paired_bootstrap(base, cand, {.resamples = 8000, .seed = 3, .resample_samples = false}, 0.05);
  const PairedDiff two = paired_bootstrap(base, cand, {.resamples = 8000, .seed = 3}, 0.05);
  const double se = standard_error_of_mean(per) * std::sqrt(59.0 / 60.0);  // bootstrap: divisor N
  EXPECT_NEAR(one.se, se, 0.04 * se);
  EXPECT_GT(two.se, 1.1 * one.se);
  EXPECT_LT(one.lower_one_sided, one.diff);
  EXPECT_GT(one.upper_one_sided, one.diff);
}

}  // namespace
}  // namespace boxed::metrics
