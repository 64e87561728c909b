// oneTBB parallel loop over independent items with a minimum amount of work per task, so that the
// tiny model's small ops run inline instead of paying for task hand-offs (which, on a busy
// machine, cost more than the op). Only the split changes with the grain, never what an item
// computes, so results stay bit-identical (see forward.h, "Determinism").
//
//   parallel_items(n_tiles, grain_for(flops_per_tile), [&](int tile) { ... });
#pragma once

#include <algorithm>
#include <cstddef>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace boxed::inference::cpu {

// About 64K multiply-adds (tens of microseconds) per task at least.
inline int grain_for(size_t work_per_item, size_t min_work_per_task = size_t{1} << 16) {
  return static_cast<int>(std::max<size_t>(1, min_work_per_task / std::max<size_t>(1, work_per_item)));
}

template <class Body>
void parallel_items(int n, int grain, const Body& body) {
  if (n <= grain) {
    for (int i = 0; i < n; ++i) body(i);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<int>(0, n, grain), [&](const tbb::blocked_range<int>& range) {
    for (int i = range.begin(); i < range.end(); ++i) body(i);
  });
}

}  // namespace boxed::inference::cpu
