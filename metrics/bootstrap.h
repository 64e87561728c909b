// Seeded bootstrap intervals for pass@1, and the paired bootstrap of a difference in pass@1 that
// `boxed compare` gates on.
//
//   std::vector<ProblemCounts> p = {{.n = 64, .correct = 30}, ...};
//   Interval ci = bootstrap_interval(p, {.resamples = 1000, .seed = 7});  // 95% percentile CI
//   PairedDiff d = paired_bootstrap(base, cand, {.resamples = 2000, .seed = 7}, /*alpha=*/0.05);
//   // non-inferiority: d.lower_one_sided > -max_drop; significant drop: d.upper_one_sided < 0
//
// Two-level resampling: each replicate draws N problems with replacement, then for each drawn
// problem n samples with replacement from its n responses (equivalently, a Binomial(n, c/n)
// count), and takes pass@1 of the replicate. This covers the problem-choice and the sampling
// noise (Efron & Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 13 percentile
// intervals; two-stage resampling of clustered data: Davison & Hinkley 1997, section 3.8).
// Paired: both runs are resampled with the SAME problem draws, each problem's samples
// independently per run, so the problem difficulty cancels out of the difference.
// The interval is conservative: the spread of the observed per-problem means already contains
// the response-sampling noise, and resampling responses again adds it a second time (Davison &
// Hinkley, section 3.8). For a paired difference, where problem difficulty cancels and that noise
// is most of what is left, the interval is about sqrt(2) too wide — a gate built on it raises
// fewer false alarms and needs a larger drop to fire. It is what the scoring issue asks for
// ("resampling problems, and samples within problems"); the standard error in
// metrics/standard_error.h is the unduplicated one.
//
// Deterministic: replicate r draws from its own SplitMix64 stream seeded from (seed, r), so the
// replicates run in parallel (oneTBB) and the interval does not depend on the thread count.
// Integers come from Lemire's multiply-shift with rejection ("Fast Random Integer Generation in
// an Interval", ACM TOMACS 2019): the same numbers on every platform, unlike
// std::uniform_int_distribution. Quantiles interpolate linearly
// between order statistics (Hyndman & Fan 1996 type 7, numpy's default).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace boxed::metrics {

struct ProblemCounts {
  int n = 0;        // responses
  int correct = 0;  // of which correct
};

struct BootstrapOptions {
  int resamples = 1000;
  uint64_t seed = 0;
  double level = 0.95;  // two-sided coverage
  // false: resample problems only (the cluster bootstrap). Each problem's observed mean already
  // carries its sampling noise, so this interval has the right width; `boxed compare` uses it
  // for its gate (the simulation in tests/harness/gate_power_test.cc checks the false-alarm rate
  // and the power it implies). true: the two-stage scheme above (conservative, ~sqrt(2) wide for
  // a paired difference).
  bool resample_samples = true;
};

struct Interval {
  double lower = 0;
  double upper = 0;
};

// Type-7 quantile of `values` (sorted in place), q in [0, 1]. Throws on an empty vector.
double quantile(std::vector<double>& values, double q);

// Percentile interval of pass@1. Throws std::invalid_argument for no problems, a problem with
// n < 1 or correct outside 0..n, or resamples < 1.
Interval bootstrap_interval(std::span<const ProblemCounts> problems, const BootstrapOptions& options);

struct PairedDiff {
  double diff = 0;             // observed pass@1(cand) - pass@1(base)
  double lower_one_sided = 0;  // alpha-quantile of the replicate differences
  double upper_one_sided = 0;  // (1 - alpha)-quantile
  double se = 0;               // standard deviation of the replicate differences
  double ci_lower = 0;         // two-sided interval at options.level
  double ci_upper = 0;
};

// base[i] and cand[i] must be the same problem. Throws std::invalid_argument on a size mismatch
// or an invalid count; alpha in (0, 1).
PairedDiff paired_bootstrap(std::span<const ProblemCounts> base, std::span<const ProblemCounts> cand,
                            const BootstrapOptions& options, double alpha);

}  // namespace boxed::metrics
