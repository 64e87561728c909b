// Run-time probe for CUDA devices. The binary never requires a GPU: with none (or without a CUDA
// build) device_count() is 0 and device_status() says why.
//
//   if (cuda::device_count() > 0) fmt::print("{}\n", cuda::device_status());  // "NVIDIA H200, sm_90"
#pragma once

#include <string>

namespace boxed::inference::cuda {

int device_count();           // 0 when no device, no driver, or no CUDA build
std::string device_status();  // device 0's name and compute capability, or why there is none

}  // namespace boxed::inference::cuda
