// The standard error of pass@1 over problems.
//
//   double se = standard_error_of_mean(per_problem_pass1);   // sd / sqrt(N)
//
// pass@1 is the mean over N problems of each problem's mean correctness p_i over its n samples
// (the DeepSeek-R1 definition). Treating problems as drawn from a population of problems, the
// sample variance of the p_i already holds both sources of noise — which problems were asked and
// which responses were sampled (Var p_i = Var(true accuracy) + E[p(1-p)/n]) — so
//   SE = sqrt( sum_i (p_i - mean)^2 / (N - 1) / N ),
// the clustered standard error of Miller, "Adding Error Bars to Evals" (arXiv:2411.00640, 2024),
// section 2.2, with each problem as a cluster.
#pragma once

#include <span>

namespace boxed::metrics {

double mean(std::span<const double> values);  // 0 for an empty span

// 0 when there are fewer than two values.
double standard_error_of_mean(std::span<const double> values);

// The standard normal quantile: normal_quantile(0.95) = 1.6449, normal_quantile(0.8) = 0.8416.
// Inverts std::erfc by Newton steps from a rational start (exact to ~1e-12); p in (0, 1).
double normal_quantile(double p);

}  // namespace boxed::metrics
