// Compiled by nvcc whenever the CUDA backend is built, so the CUDA toolchain path is exercised
// in every build, with or without a GPU.
#include <cuda_runtime.h>
#include <fmt/format.h>

#include "inference/cuda/device.h"

namespace boxed::inference::cuda {

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later probes start clean
    return 0;
  }
  return n;
}

std::string device_status() {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return fmt::format("no CUDA device: {}", cudaGetErrorString(err));
  }
  if (n == 0) return "no CUDA device";
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) return "CUDA device 0 unreadable";
  return fmt::format("{} device(s); device 0: {}, sm_{}{}, {:.0f} GiB", n, prop.name, prop.major,
                     prop.minor, prop.totalGlobalMem / 1073741824.0);
}

}  // namespace boxed::inference::cuda
