// SwiGLU activation (cpu/silu_mul.h `silu_mul`): out = gate / (1 + e^(−gate)) ⊙ up, elementwise.
// Bytes: reads 2 · n · 4, writes n · 4 (out may alias gate).
//
//   silu_mul(stream, gate_dev, up_dev, n_tokens * intermediate, gate_dev);
#pragma once

#include <cstddef>

#include "inference/cuda/runtime.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

void silu_mul(Stream& stream, const float* gate, const float* up, size_t n, float* out);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
