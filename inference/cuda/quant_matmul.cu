#include "inference/cuda/quant_matmul.cuh"

#include <fmt/format.h>

#include <stdexcept>
#include <string>

#include "inference/cuda/launch.cuh"
#include "inference/cuda/quant_blocks.cuh"
#include "inference/cuda/quant_dispatch.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

constexpr int kWarps = 4, kRowsPerWarp = 4, kTokens = 8;
static_assert(kRowsPerWarp * kTokens == 32, "lane i of a warp writes output i");

template <typename Q>
__global__ void __launch_bounds__(kWarps * 32)
    quant_matmul_kernel(const float* x, int n, int in, const uint8_t* w, size_t row_bytes, int out,
                        const float* bias, float* y) {
  __shared__ float partial[kWarps][kRowsPerWarp * kTokens][33];  // 33: no bank conflicts
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  // Token tiles vary fastest, so the blocks that read the same rows run together and all but the
  // first find them in L2.
  const int tiles = (n + kTokens - 1) / kTokens;
  const int row0 = (static_cast<int>(blockIdx.x / tiles) * kWarps + warp) * kRowsPerWarp;
  const int t0 = static_cast<int>(blockIdx.x % tiles) * kTokens;
  const int n_tokens = min(kTokens, n - t0);
  const int chunks = in / 32;
  float acc[kRowsPerWarp][kTokens];
BOXED_UNROLL
  for (int r = 0; r < kRowsPerWarp; ++r) {
BOXED_UNROLL
    for (int t = 0; t < kTokens; ++t) acc[r][t] = 0.0f;
  }
BOXED_UNROLL
  for (int r = 0; r < kRowsPerWarp; ++r) {
    if (row0 + r >= out) continue;
    const uint8_t* w_row = w + static_cast<size_t>(row0 + r) * row_bytes;
    for (int c = lane; c < chunks; c += 32) {
      float v[32];
      Q::decode(w_row + static_cast<size_t>(c / Q::kChunks) * Q::kBlockBytes, c % Q::kChunks, v);
BOXED_UNROLL
      for (int t = 0; t < kTokens; ++t) {
        if (t >= n_tokens) continue;
        const float4* xs = reinterpret_cast<const float4*>(x + static_cast<size_t>(t0 + t) * in +
                                                           32 * c);
        float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
BOXED_UNROLL
        for (int j = 0; j < 8; ++j) {
          const float4 q = xs[j];
          s0 = fmaf(v[4 * j], q.x, s0);
          s1 = fmaf(v[4 * j + 1], q.y, s1);
          s2 = fmaf(v[4 * j + 2], q.z, s2);
          s3 = fmaf(v[4 * j + 3], q.w, s3);
        }
        acc[r][t] += (s0 + s1) + (s2 + s3);
      }
    }
  }
BOXED_UNROLL
  for (int r = 0; r < kRowsPerWarp; ++r) {
BOXED_UNROLL
    for (int t = 0; t < kTokens; ++t) partial[warp][r * kTokens + t][lane] = acc[r][t];
  }
  __syncwarp();
  const int row = row0 + lane / kTokens, t = lane % kTokens;
  if (row >= out || t >= n_tokens) return;
  float sum = 0.0f;
  for (int l = 0; l < 32; ++l) sum += partial[warp][lane][l];
  if (bias != nullptr) sum += bias[row];
  y[static_cast<size_t>(t0 + t) * out + row] = sum;
}

struct LaunchMatmul {
  const float* x;
  int n;
  const uint8_t* w;
  model::DType dtype;
  int out, in;
  const float* bias;
  float* y;
  Stream& stream;

  template <typename Q>
  void operator()() const {
    const unsigned row_blocks = (out + kWarps * kRowsPerWarp - 1) / (kWarps * kRowsPerWarp);
    const unsigned tiles = (n + kTokens - 1) / kTokens;
    launch("quant_matmul", quant_matmul_kernel<Q>, dim3(row_blocks * tiles), dim3(kWarps * 32),
           stream, x, n, in, w,
           model::dtype_row_bytes(dtype, in), out, bias, y);
  }
};

}  // namespace

bool quant_kernels_support(model::DType dtype) { return quant_dispatch_supports(dtype); }

void quant_matmul(Stream& stream, const float* x, int n, const uint8_t* w, model::DType dtype,
                  int out, int in, const float* bias, float* y) {
  if (n == 0 || out == 0) return;
  check_quant_shape("quant_matmul", dtype, in);
  if (reinterpret_cast<uintptr_t>(x) % 16 != 0) {
    throw std::invalid_argument("quant_matmul: x must be 16-byte aligned (rows are read as float4)");
  }
  quant_dispatch(dtype, LaunchMatmul{x, n, w, dtype, out, in, bias, y, stream});
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
