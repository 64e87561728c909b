#include "inference/cuda/embed.cuh"

#include "inference/cuda/launch.cuh"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

// One block per token; threads stride the row (coalesced bf16 reads, fp32 writes).
__global__ void embed_kernel(const int32_t* tokens, const uint16_t* table, int dim, float* out) {
  const size_t row = static_cast<size_t>(tokens[blockIdx.x]) * dim;
  float* o = out + static_cast<size_t>(blockIdx.x) * dim;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = bf16_bits_to_float(table[row + i]);
}

}  // namespace

void embed(Stream& stream, const int32_t* tokens, int n, const uint16_t* table, int dim,
           float* out) {
  if (n == 0) return;
  launch("embed", embed_kernel, dim3(n), dim3(256), stream, tokens, table, dim, out);
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
