// One task of `boxed compare`: the paired bootstrap of the pass@1 change between two runs of the
// same problems (metrics/bootstrap.h, problems resampled, samples not: the cluster bootstrap),
// its standard error, and the drop the run could detect (reports/compare.h).
//
//   std::vector<reports::PairedTask> pairs = reports::pair_tasks(base, cand, &warnings);
//   reports::TaskDiff d = compare_task(pairs[0], options);
//   reports::GateResult g = reports::evaluate_gate({d}, cand, options);
#pragma once

#include "reports/compare.h"

namespace boxed::harness {

// Throws std::runtime_error when a problem has no responses in one of the runs.
reports::TaskDiff compare_task(const reports::PairedTask& pair, const reports::GateOptions& options);

}  // namespace boxed::harness
