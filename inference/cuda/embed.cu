#include "inference/cuda/embed.cuh"

#include "inference/cuda/launch.cuh"
#include "inference/cuda/quant_blocks.cuh"
#include "inference/cuda/quant_dispatch.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

// One block per token; threads stride the row (coalesced bf16 reads, fp32 writes).
__global__ void embed_kernel(const int32_t* tokens, const uint16_t* table, int dim, float* out) {
  const size_t row = static_cast<size_t>(tokens[blockIdx.x]) * dim;
  float* o = out + static_cast<size_t>(blockIdx.x) * dim;
  for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = bf16_bits_to_float(table[row + i]);
}

// One block per token; each thread decodes 32-value chunks of the row.
template <typename Q>
__global__ void embed_quantized_kernel(const int32_t* tokens, const uint8_t* table,
                                       size_t row_bytes, int dim, float* out) {
  const uint8_t* row = table + static_cast<size_t>(tokens[blockIdx.x]) * row_bytes;
  float* o = out + static_cast<size_t>(blockIdx.x) * dim;
  for (int c = threadIdx.x; c < dim / 32; c += blockDim.x) {
    float v[32];
    Q::decode(row + static_cast<size_t>(c / Q::kChunks) * Q::kBlockBytes, c % Q::kChunks, v);
    for (int j = 0; j < 32; ++j) o[32 * c + j] = v[j];
  }
}

struct LaunchEmbed {
  const int32_t* tokens;
  int n;
  const uint8_t* table;
  model::DType dtype;
  int dim;
  float* out;
  Stream& stream;

  template <typename Q>
  void operator()() const {
    launch("embed_quantized", embed_quantized_kernel<Q>, dim3(n), dim3(64), stream, tokens, table,
           model::dtype_row_bytes(dtype, dim), dim, out);
  }
};

}  // namespace

void embed(Stream& stream, const int32_t* tokens, int n, const uint16_t* table, int dim,
           float* out) {
  if (n == 0) return;
  launch("embed", embed_kernel, dim3(n), dim3(256), stream, tokens, table, dim, out);
}

void embed_quantized(Stream& stream, const int32_t* tokens, int n, const uint8_t* table,
                     model::DType dtype, int dim, float* out) {
  if (n == 0) return;
  check_quant_shape("embed_quantized", dtype, dim);
  quant_dispatch(dtype, LaunchEmbed{tokens, n, table, dtype, dim, out, stream});
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
