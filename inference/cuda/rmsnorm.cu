#include "inference/cuda/rmsnorm.cuh"

#include "inference/cuda/launch.cuh"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

constexpr int kThreads = 256;

__global__ void rmsnorm_kernel(const float* x, const float* weight, int dim, float eps, float* y) {
  __shared__ float scratch[32];
  const float* xr = x + static_cast<size_t>(blockIdx.x) * dim;
  float* yr = y + static_cast<size_t>(blockIdx.x) * dim;
  float partial = 0.0f;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) partial += xr[i] * xr[i];
  const float mean_square = block_sum(partial, scratch) / static_cast<float>(dim);
  const float inv_rms = 1.0f / sqrtf(mean_square + eps);
  for (int i = threadIdx.x; i < dim; i += blockDim.x) yr[i] = weight[i] * (xr[i] * inv_rms);
}

}  // namespace

void rmsnorm(Stream& stream, const float* x, int n, const float* weight, int dim, float eps,
             float* y) {
  if (n == 0) return;
  launch("rmsnorm", rmsnorm_kernel, dim3(n), dim3(kThreads), stream, x, weight, dim, eps, y);
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
