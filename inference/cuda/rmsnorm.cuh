// RMSNorm (cpu/rmsnorm.h `rmsnorm`): y = w ⊙ (x / sqrt(mean(x²) + eps)), fp32, one row per block.
// Bytes: reads n · dim · 4 (x) + dim · 4 (w, cached), writes n · dim · 4.
// The sum of squares is a block reduction (warp shuffles, then one warp), so its rounding
// differs from the CPU's 16-lane dot by a few ulp.
//
//   rmsnorm(stream, x_dev, n_tokens, norm_weight_f32_dev, hidden, eps, y_dev);
#pragma once

#include "inference/cuda/runtime.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

void rmsnorm(Stream& stream, const float* x, int n, const float* weight, int dim, float eps,
             float* y);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
