#include "inference/cuda/silu_mul.cuh"

#include <algorithm>

#include "inference/cuda/launch.cuh"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

__global__ void silu_mul_kernel(const float* gate, const float* up, size_t n, float* out) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    out[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
  }
}

}  // namespace

void silu_mul(Stream& stream, const float* gate, const float* up, size_t n, float* out) {
  if (n == 0) return;
  const auto blocks = static_cast<unsigned>(std::min<size_t>((n + 255) / 256, 4096));
  launch("silu_mul", silu_mul_kernel, dim3(blocks), dim3(256), stream, gate, up, n, out);
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
