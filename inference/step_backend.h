// A local backend's step executor picked by name, with what `boxed bench` needs to know about
// the hardware under it. Internal to inference/ (the harness sees tools.h); implemented in
// engine_factory.cc, the one file that knows which backends were compiled in.
//
//   StepBackend b = make_step_backend("cuda", *model);   // the device, or the emulation
//   b.executor->reset_cache(n_blocks, 16);
//   fmt::print("{}: copy {:.0f} GB/s\n", b.device, b.measure_bandwidth() / 1e9);
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "inference/model/model.h"
#include "inference/scheduler/generation_loop.h"

namespace boxed::inference {

struct StepBackend {
  std::string name;    // "cpu" | "cuda"
  std::string device;  // "CPU" | device 0's name and compute capability | "CUDA emulation on the CPU"
  bool emulated = false;
  // Where the executor keeps BF16/F16/F32 weight matrices as bf16 (the CUDA backend; norms and
  // biases then fp32) rather than as stored in the file (the CPU backend). GGML block types stay
  // in their blocks on both.
  bool dense_weights_as_bf16 = false;
  std::unique_ptr<scheduler::StepExecutor> executor;
  // The memory bandwidth a step's bytes are set against, in bytes/s, and what it measures:
  // "read" (the CPU: a parallel sum over a buffer far larger than the caches, run on the calling
  // thread's oneTBB arena) or "copy" (CUDA: reads + writes of a device-to-device copy).
  std::string bandwidth_kind;
  std::function<double()> measure_bandwidth;
  // Peak device memory allocated so far in this process (CUDA); empty for the CPU.
  std::function<uint64_t()> peak_device_bytes;
};

// backend: "cpu" or "cuda" (the device when one is visible, else the emulation in
// BOXED_CUDA=EMULATE builds). Throws std::invalid_argument for another name, or for "cuda"
// without a device or emulation, naming the device probe's answer. cpu_activations: "f32" or
// "q8" (the cpu backend only; EngineOptions::cpu_activations); kv_cache_dtype: as
// EngineOptions::kv_cache_dtype. The model must outlive it.
StepBackend make_step_backend(const std::string& backend, const model::Model& model,
                              const std::string& cpu_activations = "f32",
                              const std::string& kv_cache_dtype = "auto");

struct BenchOptions;
struct BenchResult;
// `boxed bench` on one backend (tools_bench.cc has the method): options.backend and
// options.threads are not read (the steps run on the calling thread's oneTBB arena). Resets
// backend.executor (freeing its memory) before measuring the bandwidth.
BenchResult bench_step_backend(StepBackend& backend, const model::Model& model,
                               const BenchOptions& options);

// Read bandwidth of this machine's memory from the calling thread's oneTBB arena: a parallel
// sum over `bytes` (far larger than the caches), best of 3 passes (tools_bench.cc).
double measure_read_bytes_per_s(size_t bytes);

}  // namespace boxed::inference
