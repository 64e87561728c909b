// The paired comparison behind `boxed compare` (quantization regression tests): two reports on
// the same problems are aligned task by task and problem by problem; the harness computes the
// paired bootstrap of the pass@1 difference (metrics/bootstrap.h) per task, and the gate applies
// one of two tests to every task (and every --min requirement to the candidate):
// - kSignificantDrop (default, "is it worse?"): fail when the observed change is below -max_drop
//   AND the drop is significant (the one-sided (1 - alpha) upper bound of the change is below 0).
//   Two runs of the same model pass with probability >= 1 - alpha at any size, and a real drop
//   fails once the run is large enough to resolve it.
// - kNonInferiority ("prove it is not worse", e.g. for a quantization): fail unless the one-sided
//   (1 - alpha) lower bound of the change is above -max_drop. Small runs fail it even when
//   nothing changed, because they cannot prove a small margin.
// Each task also carries the drop the run could detect (TaskDiff::detectable_drop): the true drop
// at which this gate fails with probability `power`, from the standard error of the change and
// the normal approximation (for non-inferiority: the margin the run proves with that power when
// nothing changed).
//
//   std::vector<std::string> warnings;
//   std::vector<PairedTask> pairs = pair_tasks(base, cand, &warnings);
//   ... TaskDiff per pair (with the bootstrap) ...
//   GateResult g = evaluate_gate(diffs, cand, {.max_drop_points = 2.0});
//   fmt::print("{}", render_comparison(diffs, g, options, warnings));   // exit g.pass ? 0 : 1
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reports/run_report.h"

namespace boxed::reports {

struct SampleCounts {
  int n = 0;
  int correct = 0;
};

// One task present in both reports, its problems in the base report's order.
struct PairedTask {
  std::string task;
  std::vector<std::string> ids;
  std::vector<SampleCounts> base, cand;  // from each problem's correct_mask (primary mode)
  std::vector<bool> base_majority, cand_majority;  // cons@n verdict per problem
};

// Counts of a correct_mask: '1' correct, '0' wrong, '-' missing.
SampleCounts counts_of_mask(std::string_view mask);

// Tasks in both reports, paired by problem id. Throws std::runtime_error (bad input) when no task
// is common, when a common task's problem ids differ (naming one missing on each side), or when
// the primary extraction modes differ. A task in only one report, or a dataset SHA-256 mismatch,
// is a warning.
std::vector<PairedTask> pair_tasks(const RunReport& base, const RunReport& cand,
                                   std::vector<std::string>* warnings);

struct TaskDiff {
  std::string task;
  int n_problems = 0;
  double base = 0, cand = 0;   // pass@1
  double diff = 0;             // cand - base
  double lower_one_sided = 0;  // at 1 - alpha
  double upper_one_sided = 0;  // at 1 - alpha
  double se = 0;               // standard error of diff (bootstrap)
  double detectable_drop = 0;  // see the header comment; a fraction, like diff
  double ci_lower = 0, ci_upper = 0;  // two-sided 95%
  std::vector<std::string> lost;    // majority answer right in base, wrong in candidate
  std::vector<std::string> gained;  // wrong in base, right in candidate
};

// The problems whose majority verdict flipped, in `pair` order.
void fill_flips(const PairedTask& pair, TaskDiff& diff);

// "TASK:METRIC=VALUE", VALUE in percentage points like --max-drop: "aime24:pass@1=25".
// METRIC: pass@1, pass@K, maj@K, cons@n (or cons@K with K the report's n).
struct MinRequirement {
  std::string task;
  std::string metric;
  double points = 0;
};
MinRequirement parse_min_requirement(std::string_view text);  // throws std::invalid_argument

enum class GateTest { kSignificantDrop, kNonInferiority };
// "significant-drop", "non-inferiority".
std::string_view to_string(GateTest test);

struct GateOptions {
  GateTest test = GateTest::kSignificantDrop;
  double power = 0.8;  // for detectable_drop
  double max_drop_points = 5.0;
  double alpha = 0.05;
  int resamples = 2000;
  uint64_t seed = 0;
  std::vector<MinRequirement> mins;
};

struct GateResult {
  bool pass = true;
  std::vector<std::string> failures;  // one line per failed condition
};

// The detectable drop (a fraction) for a change with standard error `se`, given the normal
// quantiles z_alpha = Phi^-1(1 - alpha) and z_power = Phi^-1(power):
//   significant drop: the gate fails when diff < -max(max_drop, z_alpha se), so with diff ~
//     N(-delta, se) it fails with probability `power` at delta = max(max_drop, z_alpha se) + z_power se;
//   non-inferiority: with no true change the lower bound clears -m with probability `power` for
//     m = (z_alpha + z_power) se.
double detectable_drop(GateTest test, double se, double max_drop, double z_alpha, double z_power);

// Throws std::runtime_error when a --min names a task or metric the candidate lacks.
GateResult evaluate_gate(const std::vector<TaskDiff>& diffs, const RunReport& cand, const GateOptions& options);

std::string render_comparison(const std::vector<TaskDiff>& diffs, const GateResult& gate,
                              const GateOptions& options, const std::vector<std::string>& warnings);

}  // namespace boxed::reports
