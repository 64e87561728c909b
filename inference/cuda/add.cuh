// Residual add, in place: x += y (the "x[i] += proj[i]" loops of cpu/forward.cc).
// Bytes: reads 2 · n · 4, writes n · 4.
//
//   add(stream, x_dev, proj_dev, n_tokens * hidden);
#pragma once

#include <cstddef>

#include "inference/cuda/runtime.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

void add(Stream& stream, float* x, const float* y, size_t n);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
