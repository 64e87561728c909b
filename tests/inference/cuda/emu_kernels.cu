// Kernels that exercise the execution model itself (emulation tests only): indices, shared
// memory per block, barriers, shuffles, votes, atomics, bf16 conversion, a divergent barrier.
#include "inference/cuda/cuda_compat.cuh"
#include "inference/cuda/launch.cuh"
#include "tests/inference/cuda/emu_kernels.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS::testing {
namespace {

__global__ void indices_kernel(int* out) {
  const int linear_block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  const int threads = blockDim.x * blockDim.y * blockDim.z;
  const int t = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  out[linear_block * threads + t] = linear_block * 10000 + t;
}

// Reverses each block's slice through shared memory: needs the barrier between write and read.
__global__ void reverse_kernel(const int* in, int* out) {
  __shared__ int tile[256];
  const int base = blockIdx.x * blockDim.x;
  tile[threadIdx.x] = in[base + threadIdx.x];
  __syncthreads();
  out[base + threadIdx.x] = tile[blockDim.x - 1 - threadIdx.x];
}

__global__ void shuffle_kernel(const float* in, float* sums, int* down, int* xor_partner,
                               unsigned* ballots, int* any_all) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  sums[i] = warp_sum(in[i]);
  down[i] = __shfl_down_sync(0xffffffffu, i, 3);
  xor_partner[i] = __shfl_xor_sync(0xffffffffu, i, 5);
  ballots[i] = __ballot_sync(0xffffffffu, (i % 3) == 0);
  any_all[i] = __any_sync(0xffffffffu, i == 7) * 2 + __all_sync(0xffffffffu, i >= 0);
}

__global__ void atomic_kernel(int* counter, int* maximum) {
  atomicAdd(counter, 1);
  atomicMax(maximum, static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x));
}

__global__ void early_exit_kernel(int n, int* out) {
  __shared__ int total;
  if (threadIdx.x == 0) total = 0;
  __syncthreads();
  if (static_cast<int>(threadIdx.x) >= n) return;  // exited threads stop counting for barriers
  atomicAdd(&total, 1);
  __syncthreads();
  out[threadIdx.x] = total;
}

// Half the warp waits at the block barrier, the other half at the warp barrier: neither can
// open (undefined behaviour on a GPU; the emulation must say so rather than hang).
__global__ void divergent_kernel(int* out) {
  if (threadIdx.x < 16) {
    __syncthreads();
  } else {
    __syncwarp();
  }
  out[threadIdx.x] = 1;
}

__global__ void bf16_kernel(const float* in, uint16_t* bits, float* back, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const __nv_bfloat16 h = __float2bfloat16(in[i]);
  bits[i] = *reinterpret_cast<const uint16_t*>(&h);
  back[i] = __bfloat162float(h);
}

}  // namespace

void indices(Stream& s, dim3 grid, dim3 block, int* out) {
  launch("indices", indices_kernel, grid, block, s, out);
}
void reverse_blocks(Stream& s, const int* in, int n_blocks, int* out) {
  launch("reverse", reverse_kernel, dim3(n_blocks), dim3(256), s, in, out);
}
void shuffles(Stream& s, const float* in, int n_warps, float* sums, int* down, int* xor_partner,
              unsigned* ballots, int* any_all) {
  launch("shuffles", shuffle_kernel, dim3(n_warps), dim3(32), s, in, sums, down, xor_partner,
         ballots, any_all);
}
void atomics(Stream& s, int n_blocks, int* counter, int* maximum) {
  launch("atomics", atomic_kernel, dim3(n_blocks), dim3(64), s, counter, maximum);
}
void early_exit(Stream& s, int n, int* out) { launch("early_exit", early_exit_kernel, dim3(1), dim3(64), s, n, out); }
void divergent(Stream& s, int* out) { launch("divergent", divergent_kernel, dim3(1), dim3(32), s, out); }
void bf16_round_trip(Stream& s, const float* in, uint16_t* bits, float* back, int n) {
  launch("bf16", bf16_kernel, dim3((n + 63) / 64), dim3(64), s, in, bits, back, n);
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS::testing
