// A CPU emulation of the CUDA execution model, so that the kernel sources of inference/cuda/
// compile as host C++ (BOXED_CUDA=EMULATE, and always for the `cuda` tests) and run unchanged.
//
//   // in a .cu, through inference/cuda/cuda_compat.cuh:
//   __global__ void scale(float* x, int n) {
//     __shared__ float tile[256];
//     const int i = blockIdx.x * blockDim.x + threadIdx.x;
//     ...; __syncthreads(); ...
//   }
//   boxed_emu::launch("scale", dim3(8), dim3(256), [&] { scale(x, n); });   // launch.cuh does this
//
// Model: each CUDA thread of a block is a cooperative fiber (emu/fiber_switch.h) on one OS thread;
// the fibers of a block run round-robin and switch only at __syncthreads, warp shuffles, votes and
// __syncwarp, so a kernel's shared-memory races are the CUDA program's own (a kernel that needs a
// barrier and lacks one reads stale values here too, often visibly). Blocks are independent and run
// in parallel on oneTBB workers; `__shared__` is `static thread_local`, i.e. one copy per OS
// thread, used by one block at a time — per-block shared memory, uninitialised between blocks as on
// a GPU. Atomics are real atomics (blocks run concurrently). A barrier that not every live thread
// of its block (or warp) reaches is reported as a deadlock: launch() throws std::logic_error naming
// the kernel. Threads that returned no longer count for barriers.
// Not emulated: dynamic shared memory, cooperative groups, clusters, tensor-core instructions
// (kernels keep a plain path; see HOUSE_STYLE.md, CMake), streams' asynchrony (launches are
// synchronous), memory fences (fibers of a block share one core, so they are implied).
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <type_traits>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __restrict__ __restrict
#define __launch_bounds__(...)
#define __shared__ static thread_local

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct uint3 {
  unsigned x = 0, y = 0, z = 0;
};
struct alignas(16) float4 {
  float x, y, z, w;
};
struct alignas(8) uint2 {
  unsigned x, y;
};

// Set by the emulator before every fiber switch / block start. constinit: constant-initialised,
// so code reads them straight off the thread pointer. Without it GCC 12 reaches them through a
// test of the (absent) TLS init function, and under -fsanitize=null it then tests the address with
// the flags of that test (a lea in between sets none): every kernel's first threadIdx read was
// reported as a member access through a null pointer.
extern thread_local constinit uint3 threadIdx;
extern thread_local constinit uint3 blockIdx;
extern thread_local constinit dim3 blockDim;
extern thread_local constinit dim3 gridDim;
inline constexpr int warpSize = 32;

namespace boxed_emu {

// Runs `body` once per thread of every block of the grid (see the header comment).
void launch(const char* kernel_name, dim3 grid, dim3 block, const std::function<void()>& body);

void sync_block();                 // __syncthreads
void sync_warp();                  // __syncwarp and the two halves of every shuffle / vote
int lane_id();                     // threadIdx linearised % 32
uint64_t* warp_exchange();         // [32] slots the lanes of the current warp exchange through
unsigned warp_live_mask();         // lanes of the current warp that have not returned

template <typename T>
T shuffle_from(T value, int src_lane) {
  static_assert(sizeof(T) <= sizeof(uint64_t) && std::is_trivially_copyable_v<T>);
  uint64_t* slots = warp_exchange();
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(T));
  slots[lane_id()] = bits;
  sync_warp();
  T out;
  const uint64_t got = slots[src_lane];
  std::memcpy(&out, &got, sizeof(T));
  sync_warp();  // nobody overwrites a slot before every lane has read it
  return out;
}

}  // namespace boxed_emu

inline void __syncthreads() { boxed_emu::sync_block(); }
inline void __syncwarp(unsigned = 0xffffffffu) { boxed_emu::sync_warp(); }

// Shuffles over `width`-lane segments, as the CUDA C++ Programming Guide, "Warp Shuffle
// Functions", defines them: an out-of-segment source lane returns the caller's own value.
template <typename T>
T __shfl_sync(unsigned, T v, int src, int width = warpSize) {
  const int lane = boxed_emu::lane_id();
  return boxed_emu::shuffle_from(v, (lane & ~(width - 1)) + (src & (width - 1)));
}
template <typename T>
T __shfl_xor_sync(unsigned, T v, int lane_mask, int width = warpSize) {
  const int lane = boxed_emu::lane_id();
  const int src = lane ^ lane_mask;
  const bool inside = (src & ~(width - 1)) == (lane & ~(width - 1));
  return boxed_emu::shuffle_from(v, inside ? src : lane);
}
template <typename T>
T __shfl_down_sync(unsigned, T v, unsigned delta, int width = warpSize) {
  const int lane = boxed_emu::lane_id();
  const int src = lane + static_cast<int>(delta);
  const bool inside = (src & ~(width - 1)) == (lane & ~(width - 1));
  return boxed_emu::shuffle_from(v, inside ? src : lane);
}
template <typename T>
T __shfl_up_sync(unsigned, T v, unsigned delta, int width = warpSize) {
  const int lane = boxed_emu::lane_id();
  const int src = lane - static_cast<int>(delta);
  const bool inside = src >= 0 && (src & ~(width - 1)) == (lane & ~(width - 1));
  return boxed_emu::shuffle_from(v, inside ? src : lane);
}

// Votes: every lane publishes its predicate, every lane reads all 32. The live lanes are read
// between the two barriers, while no lane of the warp can have returned yet.
namespace boxed_emu {
inline unsigned vote(int predicate, unsigned* live_lanes) {
  uint64_t* slots = warp_exchange();
  slots[lane_id()] = predicate != 0;
  sync_warp();
  unsigned bits = 0;
  const unsigned live = warp_live_mask();
  for (int l = 0; l < 32; ++l) {
    if (((live >> l) & 1u) && slots[l] != 0) bits |= 1u << l;
  }
  *live_lanes = live;
  sync_warp();
  return bits;
}
}  // namespace boxed_emu

inline unsigned __ballot_sync(unsigned mask, int predicate) {
  unsigned live = 0;
  return boxed_emu::vote(predicate, &live) & mask;
}
inline int __any_sync(unsigned mask, int predicate) { return __ballot_sync(mask, predicate) != 0; }
inline int __all_sync(unsigned mask, int predicate) {
  unsigned live = 0;
  const unsigned votes = boxed_emu::vote(predicate, &live) & mask;
  return votes == (mask & live);
}

// Atomics: return the old value, like CUDA's.
template <typename T>
T atomicAdd(T* address, T value) {
  return std::atomic_ref<T>(*address).fetch_add(value);
}
template <typename T>
T atomicMax(T* address, T value) {
  std::atomic_ref<T> ref(*address);
  T old = ref.load();
  while (old < value && !ref.compare_exchange_weak(old, value)) {
  }
  return old;
}
template <typename T>
T atomicMin(T* address, T value) {
  std::atomic_ref<T> ref(*address);
  T old = ref.load();
  while (value < old && !ref.compare_exchange_weak(old, value)) {
  }
  return old;
}
template <typename T>
T atomicCAS(T* address, T compare, T value) {
  std::atomic_ref<T>(*address).compare_exchange_strong(compare, value);
  return compare;
}
template <typename T>
T atomicExch(T* address, T value) {
  return std::atomic_ref<T>(*address).exchange(value);
}

// Device min/max of the CUDA Math API (host C++ has only std::min/std::max).
template <typename T>
T min(T a, T b) { return b < a ? b : a; }
template <typename T>
T max(T a, T b) { return a < b ? b : a; }

// Bit casts and the few math intrinsics the kernels use (CUDA Math API names).
inline float __uint_as_float(unsigned v) { float f; std::memcpy(&f, &v, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned v; std::memcpy(&v, &f, 4); return v; }
inline long long __double_as_longlong(double d) { long long v; std::memcpy(&v, &d, 8); return v; }
inline int __float_as_int(float f) { int v; std::memcpy(&v, &f, 4); return v; }
inline float __int_as_float(int v) { float f; std::memcpy(&f, &v, 4); return f; }
inline unsigned __umulhi(unsigned a, unsigned b) {
  return static_cast<unsigned>((static_cast<uint64_t>(a) * b) >> 32);
}
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
// Round-to-nearest products and sums that nvcc never contracts into an FMA; the emulated
// kernels compile with -ffp-contract=off (inference/cuda/CMakeLists.txt), which gives plain
// operators the same meaning.
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __ffs(int x) { return __builtin_ffs(x); }

// bfloat16 / half as cuda_bf16.h and cuda_fp16.h name them: storage types with
// round-to-nearest-even conversions (the device's __float2bfloat16 / __float2half rounding).
struct __nv_bfloat16 {
  uint16_t x;
};
struct __half {
  uint16_t x;
};
float boxed_emu_half_to_float(uint16_t bits);
uint16_t boxed_emu_float_to_half(float value);
inline float __bfloat162float(__nv_bfloat16 h) { return __uint_as_float(uint32_t{h.x} << 16); }
inline __nv_bfloat16 __float2bfloat16(float f) {
  uint32_t u = __float_as_uint(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return {static_cast<uint16_t>((u >> 16) | 0x40u)};  // NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return {static_cast<uint16_t>(u >> 16)};
}
inline __nv_bfloat16 __float2bfloat16_rn(float f) { return __float2bfloat16(f); }
inline float __half2float(__half h) { return boxed_emu_half_to_float(h.x); }
inline __half __ushort_as_half(unsigned short bits) { return {bits}; }
inline __half __float2half(float f) { return {boxed_emu_float_to_half(f)}; }
inline __half __float2half_rn(float f) { return __float2half(f); }
