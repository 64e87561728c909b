// What every kernel source includes first: the CUDA runtime and bf16 headers under nvcc, the
// execution-model emulation (emu/cuda_emu.h) in BOXED_CUDA_EMULATE builds, plus the few device
// helpers all kernels share. Kernel bodies use only plain CUDA C++ that both understand.
//
//   #include "inference/cuda/cuda_compat.cuh"
//   __global__ void k(const uint16_t* w) { float x = bf16_bits_to_float(w[threadIdx.x]); ... }
#pragma once

#include <cstdint>

#include "inference/cuda/flavour.h"

#if defined(BOXED_CUDA_EMULATE)
#include "inference/cuda/emu/cuda_emu.h"
#else
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#endif

// Full unrolling of a loop with a constant trip count (so that arrays indexed by its variable
// stay in registers): nvcc's `#pragma unroll`, GCC's `#pragma GCC unroll`.
#if defined(BOXED_CUDA_EMULATE)
#define BOXED_UNROLL _Pragma("GCC unroll 32")
#else
#define BOXED_UNROLL _Pragma("unroll")
#endif

namespace boxed::inference::cuda::BOXED_CUDA_NS {

// bfloat16 is the upper half of an IEEE binary32: widening is exact bit arithmetic.
__device__ __forceinline__ float bf16_bits_to_float(uint16_t bits) {
  return __uint_as_float(static_cast<unsigned>(bits) << 16);
}

// The bits of v rounded to bfloat16 (round to nearest even: __float2bfloat16).
__device__ __forceinline__ uint16_t float_to_bf16_bits(float v) {
  const __nv_bfloat16 h = __float2bfloat16(v);
  return *reinterpret_cast<const uint16_t*>(&h);
}

__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
  for (int offset = 16; offset > 0; offset /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

// Sum over a block of blockDim.x threads (a multiple of 32, at most 1024); every thread gets the
// total. `scratch` is 32 floats of shared memory; the order of additions is fixed by the code.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, n_warps = blockDim.x / 32;
  v = warp_sum(v);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < n_warps ? scratch[lane] : 0.0f;
  return warp_sum(v);
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
