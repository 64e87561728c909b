#include "inference/cuda/copy_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "inference/cuda/runtime.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

double copy_bytes_per_s(size_t bytes) {
  if (bytes == 0) throw std::invalid_argument("copy_bytes_per_s: zero bytes");
  constexpr int kCopiesPerPass = 8;
  constexpr int kPasses = 4;
  Stream stream;
  DeviceBuffer from(bytes), to(bytes);
  stream.zero(from.get(), bytes);  // every page touched before timing
  stream.on_device(to.get(), from.get(), bytes);
  stream.synchronize();
  double best = 0;
  for (int pass = 0; pass < kPasses; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kCopiesPerPass; ++i) {
      // Alternate directions so that no copy can be skipped as a repeat of the one before.
      if (i % 2 == 0) {
        stream.on_device(to.get(), from.get(), bytes);
      } else {
        stream.on_device(from.get(), to.get(), bytes);
      }
    }
    stream.synchronize();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, 2.0 * static_cast<double>(bytes) * kCopiesPerPass / s);
  }
  return best;
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
