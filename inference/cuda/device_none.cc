// device.h for builds without CUDA (BOXED_CUDA=OFF or no nvcc).
#include "inference/cuda/device.h"

namespace boxed::inference::cuda {

int device_count() { return 0; }
std::string device_status() { return "CUDA backend not built (BOXED_CUDA=OFF or nvcc not found)"; }

}  // namespace boxed::inference::cuda
