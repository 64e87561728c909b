// The CUDA step executors this binary may carry, by flavour (flavour.h), for
// engine_factory.cc, which picks one at run time: cuda::dev when a device is visible, cuda::emu
// in BOXED_CUDA=EMULATE builds. Tests of the emulated flavour use cuda::emu directly. Beside
// each: the yardsticks of `boxed bench --backend cuda` (copy_bandwidth.h, runtime.h).
//
//   auto exec = boxed::inference::cuda::emu::make_executor(*model, KvDtype::kBf16);
#pragma once

#include <cstddef>
#include <memory>

#include "inference/cuda/kv_layout.h"
#include "inference/model/model.h"
#include "inference/scheduler/generation_loop.h"

namespace boxed::inference::cuda {
namespace emu {
std::unique_ptr<scheduler::StepExecutor> make_executor(const model::Model& model, KvDtype kv_dtype);
double copy_bytes_per_s(size_t bytes);
size_t device_bytes_peak();
size_t device_free_bytes();
}  // namespace emu
namespace dev {
std::unique_ptr<scheduler::StepExecutor> make_executor(const model::Model& model, KvDtype kv_dtype);
double copy_bytes_per_s(size_t bytes);
size_t device_bytes_peak();
size_t device_free_bytes();
}  // namespace dev
}  // namespace boxed::inference::cuda
