// The KV cache's elements (kv_layout.h) read and written as floats, for the kernels that are
// templates over the storage type: `float` for KvDtype::kF32, `uint16_t` holding bf16 bits for
// KvDtype::kBf16. Writing rounds to nearest even; reading bf16 is exact widening.
//
//   template <typename T> __global__ void k(const T* cache) { float4 k4 = kv_load4(cache + i); }
//   dispatch_kv(layout.dtype, [&](auto element) { using T = decltype(element); ... });
#pragma once

#include <cstdint>

#include "inference/cuda/cuda_compat.cuh"
#include "inference/cuda/kv_layout.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

__device__ __forceinline__ float kv_load(const float* p) { return *p; }
__device__ __forceinline__ float kv_load(const uint16_t* p) { return bf16_bits_to_float(*p); }
__device__ __forceinline__ void kv_store(float* p, float v) { *p = v; }
__device__ __forceinline__ void kv_store(uint16_t* p, float v) { *p = float_to_bf16_bits(v); }

// Elements p[0..4) in one load: 16 B for fp32, 8 B for bf16 (p aligned to 4 elements).
__device__ __forceinline__ float4 kv_load4(const float* p) { return *reinterpret_cast<const float4*>(p); }
__device__ __forceinline__ float4 kv_load4(const uint16_t* p) {
  const uint2 u = *reinterpret_cast<const uint2*>(p);  // little-endian: element 0 is u.x's low half
  return float4{__uint_as_float(u.x << 16), __uint_as_float(u.x & 0xffff0000u),
                __uint_as_float(u.y << 16), __uint_as_float(u.y & 0xffff0000u)};
}

// Calls f with a value of the storage type of `dtype` (host side, to pick a kernel instance).
template <typename F>
void dispatch_kv(KvDtype dtype, F&& f) {
  if (dtype == KvDtype::kBf16) {
    f(uint16_t{});
  } else {
    f(float{});
  }
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
