// The launch helper: the only `<<<…>>>` of the CUDA backend. In emulation (BOXED_CUDA_EMULATE)
// the same call runs the kernel body on the CPU execution model (emu/cuda_emu.h).
//
//   launch("rmsnorm", rmsnorm_kernel, dim3(n_rows), dim3(256), stream, x, weight, dim, eps, y);
//
// Launches are asynchronous on the device (errors of the launch itself are checked at once,
// errors of the execution surface at the next synchronisation) and synchronous in emulation.
#pragma once

#include "inference/cuda/cuda_compat.cuh"
#include "inference/cuda/runtime.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

template <typename... Params, typename... Args>
void launch(const char* name, void (*kernel)(Params...), dim3 grid, dim3 block, Stream& stream,
            Args... args) {
#if defined(BOXED_CUDA_EMULATE)
  (void)stream;
  boxed_emu::launch(name, grid, block, [&] { kernel(args...); });
#else
  kernel<<<grid, block, 0, static_cast<cudaStream_t>(stream.handle())>>>(args...);
  check_last_launch(name);
#endif
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
