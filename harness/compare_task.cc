#include "harness/compare_task.h"

#include <fmt/format.h>

#include <stdexcept>

#include "metrics/bootstrap.h"
#include "metrics/standard_error.h"

namespace boxed::harness {

reports::TaskDiff compare_task(const reports::PairedTask& pair, const reports::GateOptions& options) {
  std::vector<metrics::ProblemCounts> b, c;
  for (size_t i = 0; i < pair.ids.size(); ++i) {
    if (pair.base[i].n == 0 || pair.cand[i].n == 0) {
      throw std::runtime_error(
          fmt::format("task {}: problem '{}' has no responses in one report", pair.task, pair.ids[i]));
    }
    b.push_back({.n = pair.base[i].n, .correct = pair.base[i].correct});
    c.push_back({.n = pair.cand[i].n, .correct = pair.cand[i].correct});
  }
  // Problems only: each problem's observed mean already holds its sampling noise, so resampling
  // responses again would count it twice and hide real drops (metrics/bootstrap.h).
  const metrics::PairedDiff d = metrics::paired_bootstrap(
      b, c, {.resamples = options.resamples, .seed = options.seed, .level = 0.95, .resample_samples = false},
      options.alpha);
  reports::TaskDiff diff{.task = pair.task, .n_problems = static_cast<int>(pair.ids.size())};
  for (size_t i = 0; i < b.size(); ++i) {
    diff.base += static_cast<double>(b[i].correct) / b[i].n;
    diff.cand += static_cast<double>(c[i].correct) / c[i].n;
  }
  diff.base /= static_cast<double>(b.size());  // summed first, as the report's pass@1 is
  diff.cand /= static_cast<double>(c.size());
  diff.diff = d.diff;
  diff.lower_one_sided = d.lower_one_sided;
  diff.upper_one_sided = d.upper_one_sided;
  diff.ci_lower = d.ci_lower;
  diff.ci_upper = d.ci_upper;
  diff.se = d.se;
  diff.detectable_drop =
      reports::detectable_drop(options.test, d.se, options.max_drop_points / 100.0,
                               metrics::normal_quantile(1 - options.alpha), metrics::normal_quantile(options.power));
  reports::fill_flips(pair, diff);
  return diff;
}

}  // namespace boxed::harness
