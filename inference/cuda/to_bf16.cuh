// fp32 → bf16 with round-to-nearest-even (the activations fed to the cuBLASLt GEMM).
// Bytes: reads n · 4, writes n · 2.
//
//   to_bf16(stream, x_dev, n, x_bf16_dev);
#pragma once

#include <cstddef>
#include <cstdint>

#include "inference/cuda/runtime.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

void to_bf16(Stream& stream, const float* x, size_t n, uint16_t* out);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
