#include "inference/cuda/add.cuh"

#include <algorithm>

#include "inference/cuda/launch.cuh"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

__global__ void add_kernel(float* x, const float* y, size_t n) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    x[i] += y[i];
  }
}

}  // namespace

void add(Stream& stream, float* x, const float* y, size_t n) {
  if (n == 0) return;
  const auto blocks = static_cast<unsigned>(std::min<size_t>((n + 255) / 256, 4096));
  launch("add", add_kernel, dim3(blocks), dim3(256), stream, x, y, n);
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
