// The `boxed compare` gate on simulated pairs of runs: how often it fails two runs of the same
// model (false alarms, which must stay at or below alpha) and how often it catches a true drop
// of the size it prints as detectable (which must be about the stated power, 80%). The printed
// figure comes from the normal approximation with the bootstrap standard error
// (reports::detectable_drop); this checks it against the gate's actual behaviour.
//
// Simulated model: problem i of N has true accuracy 0.2 + 0.7 i / (N - 1); the candidate loses
// `drop` on every problem (so its mean drops by exactly `drop`); each run draws n responses per
// problem.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "harness/compare_task.h"
#include "reports/compare.h"
#include "reports/run_report.h"

namespace boxed::harness {
namespace {

struct Rng {
  uint64_t state;
  double uniform() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  }
};

reports::PairedTask simulate(int n_problems, int n_samples, double drop, Rng& rng) {
  reports::PairedTask pair{.task = "sim"};
  for (int i = 0; i < n_problems; ++i) {
    const double p = 0.2 + 0.7 * i / (n_problems - 1);
    reports::SampleCounts b{.n = n_samples}, c{.n = n_samples};
    for (int s = 0; s < n_samples; ++s) {
      b.correct += rng.uniform() < p ? 1 : 0;
      c.correct += rng.uniform() < p - drop ? 1 : 0;
    }
    pair.ids.push_back(std::to_string(i));
    pair.base.push_back(b);
    pair.cand.push_back(c);
    pair.base_majority.push_back(false);
    pair.cand_majority.push_back(false);
  }
  return pair;
}

struct Rates {
  double fail_rate = 0;
  double mean_detectable = 0;  // fraction
};

Rates run_gate(int n_problems, int n_samples, double drop, int n_runs, const reports::GateOptions& options,
               uint64_t seed) {
  Rng rng{seed};
  reports::RunReport cand;  // no --min, so evaluate_gate never looks at it
  Rates r;
  for (int k = 0; k < n_runs; ++k) {
    reports::GateOptions o = options;
    o.seed = static_cast<uint64_t>(k);
    const reports::TaskDiff d = compare_task(simulate(n_problems, n_samples, drop, rng), o);
    r.fail_rate += reports::evaluate_gate({d}, cand, o).pass ? 0.0 : 1.0;
    r.mean_detectable += d.detectable_drop;
  }
  r.fail_rate /= n_runs;
  r.mean_detectable /= n_runs;
  return r;
}

struct Size {
  int problems, samples, runs;
};

class GatePower : public ::testing::TestWithParam<Size> {};

TEST_P(GatePower, SameModelPassesAndThePrintedDetectableDropIsCaughtAtThePower) {
  const Size size = GetParam();
  const reports::GateOptions options{.max_drop_points = 5, .alpha = 0.05, .resamples = 500};
  const Rates same = run_gate(size.problems, size.samples, 0.0, size.runs, options, 11);
  // False alarms: the gate needs a significant drop, so at most alpha (plus simulation noise:
  // the standard deviation of the rate over 300 runs at 5% is 1.3 points).
  EXPECT_LE(same.fail_rate, 0.08) << size.problems << " x " << size.samples;
  const Rates at_detectable =
      run_gate(size.problems, size.samples, same.mean_detectable, size.runs, options, 12);
  std::printf("%d x %d: false alarms %.3f; printed detectable drop %.1f points, caught %.3f\n", size.problems,
              size.samples, same.fail_rate, 100 * same.mean_detectable, at_detectable.fail_rate);
  EXPECT_GE(at_detectable.fail_rate, 0.70);
  EXPECT_LE(at_detectable.fail_rate, 0.90);
}

INSTANTIATE_TEST_SUITE_P(Sizes, GatePower,
                         ::testing::Values(Size{30, 8, 300}, Size{30, 64, 300}, Size{500, 4, 120}),
                         [](const auto& info) {
                           return std::to_string(info.param.problems) + "x" + std::to_string(info.param.samples);
                         });

TEST(GatePower, NonInferiorityProvesThePrintedMarginAtThePower) {
  // With no change, the non-inferiority gate passes when its lower bound clears -max_drop; at
  // max_drop = the printed margin that happens with probability ~power.
  reports::GateOptions options{.test = reports::GateTest::kNonInferiority, .max_drop_points = 5, .alpha = 0.05,
                               .resamples = 500};
  const Rates probe = run_gate(30, 64, 0.0, 300, options, 21);
  options.max_drop_points = 100 * probe.mean_detectable;
  const Rates at_margin = run_gate(30, 64, 0.0, 300, options, 22);
  std::printf("non-inferiority 30 x 64: provable margin %.1f points, passes %.3f\n", 100 * probe.mean_detectable,
              1 - at_margin.fail_rate);
  EXPECT_GE(1 - at_margin.fail_rate, 0.70);
  EXPECT_LE(1 - at_margin.fail_rate, 0.90);
}

}  // namespace
}  // namespace boxed::harness
