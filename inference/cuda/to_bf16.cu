#include "inference/cuda/to_bf16.cuh"

#include <algorithm>

#include "inference/cuda/launch.cuh"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

__global__ void to_bf16_kernel(const float* x, size_t n, uint16_t* out) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    out[i] = float_to_bf16_bits(x[i]);
  }
}

}  // namespace

void to_bf16(Stream& stream, const float* x, size_t n, uint16_t* out) {
  if (n == 0) return;
  const auto blocks = static_cast<unsigned>(std::min<size_t>((n + 255) / 256, 4096));
  launch("to_bf16", to_bf16_kernel, dim3(blocks), dim3(256), stream, x, n, out);
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
