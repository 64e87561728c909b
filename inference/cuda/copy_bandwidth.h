// The device's memory bandwidth as a device-to-device copy achieves it: the yardstick that
// `boxed bench --backend cuda` sets a decode step's bytes against (issue: "achieved GB/s against
// the bandwidth the same run measures with a device-to-device copy").
//
//   const double bw = copy_bytes_per_s(size_t{1} << 30);   // bytes read + written per second
#pragma once

#include <cstddef>

#include "inference/cuda/flavour.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

// Copies a `bytes` buffer into another 8 times per pass, 4 passes after one warm-up copy, and
// returns the best pass's (read + written) bytes per second: a copy moves 2 x bytes, as
// bandwidth benchmarks count it (a decode step mostly reads, so its bytes over this figure say
// how close it runs to the memory system's limit). In emulation: host memmove speed.
double copy_bytes_per_s(size_t bytes);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
