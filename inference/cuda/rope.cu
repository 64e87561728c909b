#include "inference/cuda/rope.cuh"

#include "inference/cuda/launch.cuh"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

// Block (token, head); thread i rotates the pair (i, i + d/2). cosf/sinf (not __cosf) keep the
// full-precision angle, as the CPU op does.
__global__ void rope_kernel(float* x, int n_heads, int head_dim, const int32_t* positions,
                            const float* inv_freq) {
  const int half = head_dim / 2;
  float* h = x + (static_cast<size_t>(blockIdx.x) * n_heads + blockIdx.y) * head_dim;
  const float p = static_cast<float>(positions[blockIdx.x]);
  for (int i = threadIdx.x; i < half; i += blockDim.x) {
    const float angle = p * inv_freq[i];
    const float c = cosf(angle);
    const float s = sinf(angle);
    const float a = h[i];
    const float b = h[i + half];
    h[i] = a * c - b * s;
    h[i + half] = b * c + a * s;
  }
}

}  // namespace

void apply_rope(Stream& stream, float* x, int n, int n_heads, int head_dim,
                const int32_t* positions, const float* inv_freq) {
  if (n == 0) return;
  launch("apply_rope", rope_kernel, dim3(n, n_heads), dim3(64), stream, x, n_heads, head_dim,
         positions, inv_freq);
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
