#include "inference/engine_factory.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <stdexcept>

#include "build_info.h"
#include "inference/cpu/cpu_engine.h"
#include "inference/cpu/cpu_step_executor.h"
#include "inference/cuda/device.h"
#include "inference/cuda/executors.h"
#include "inference/http/openai_engine.h"
#include "inference/replay/replay_engine.h"
#include "inference/step_backend.h"

namespace boxed::inference {
namespace {

#if defined(BOXED_HAS_CUDA_DEV)
constexpr bool kCudaDevice = true;
#else
constexpr bool kCudaDevice = false;
#endif
#if defined(BOXED_CUDA_BACKEND_EMULATED)
constexpr bool kCudaEmulated = true;  // BOXED_CUDA=EMULATE: `--backend cuda` runs the emulation
#else
constexpr bool kCudaEmulated = false;
#endif

bool cuda_device_visible() { return kCudaDevice && cuda::device_count() > 0; }

std::invalid_argument cuda_unavailable() {
  return std::invalid_argument(fmt::format(
      "backend 'cuda' needs a CUDA device, and the device probe says: {}{}; use --backend cpu, "
      "or --backend openai with a vLLM/SGLang server", cuda::device_status(),
      kCudaDevice ? fmt::format(" (engine built for sm_{})", build_info::kCudaArchitectures)
                  : std::string(" (no CUDA engine in this build: BOXED_CUDA=OFF or no nvcc)")));
}

// --cpu-activations: "f32" (the exact reference) or "q8" (int8 activations in the matmuls over
// GGML blocks, cpu/quant_dot_q8.h and cpu/quant_gemm_q8.h), which only the CPU forward has.
cpu::Activations parse_cpu_activations(const std::string& backend, const std::string& value) {
  if (value == "f32") return cpu::Activations::kF32;
  if (value != "q8") {
    throw std::invalid_argument(fmt::format("--cpu-activations '{}': expected f32 or q8", value));
  }
  if (backend != "cpu") {
    throw std::invalid_argument(fmt::format(
        "--cpu-activations q8 is an option of the cpu backend; the backend here is '{}'", backend));
  }
  return cpu::Activations::kQ8;
}

// --kv-cache-dtype: the cuda backend stores K and V in bf16 ("auto") or fp32; the cpu backend's
// cache is fp32, the exact reference; the others hold no cache of boxed's.
cuda::KvDtype parse_kv_cache_dtype(const std::string& backend, const std::string& value) {
  if (value != "auto" && value != "bf16" && value != "f32") {
    throw std::invalid_argument(
        fmt::format("--kv-cache-dtype '{}': expected auto, bf16 or f32", value));
  }
  if (value == "auto" || backend == "cuda") {
    return value == "f32" ? cuda::KvDtype::kF32 : cuda::KvDtype::kBf16;
  }
  if (backend == "cpu" && value == "f32") return cuda::KvDtype::kF32;
  throw std::invalid_argument(fmt::format(
      "--kv-cache-dtype {}: the {} backend {}", value, backend,
      backend == "cpu" ? "keeps its KV cache in f32 (the exact reference); bf16 is the cuda "
                         "backend's"
                       : "holds no KV cache of boxed's; the option is the cpu and cuda backends'"));
}

}  // namespace

std::vector<std::string> compiled_backends() {
  std::vector<std::string> names;
  // The fast one first: "auto" picks it whenever a device is visible (never the emulation).
  if (kCudaDevice || kCudaEmulated) names.push_back("cuda");
  names.push_back("cpu");  // the exact reference; always built, what "auto" falls back to
  // Remote and saved-log backends: always built, never picked by "auto" (they need an endpoint
  // or a log to be named).
  names.push_back("openai");
  names.push_back("replay");
  return names;
}

std::vector<std::string> available_backends() {
  std::vector<std::string> names;
  for (const std::string& name : compiled_backends()) {
    if (name == "cuda" && !cuda_device_visible() && !kCudaEmulated) continue;
    names.push_back(name);
  }
  return names;
}

std::string cuda_status() {
  if (kCudaEmulated) return "emulated on the CPU (BOXED_CUDA=EMULATE); no device code built";
  if (!kCudaDevice) return "not built (BOXED_CUDA=OFF or nvcc not found)";
  return fmt::format("engine built for sm_{}; {}", build_info::kCudaArchitectures,
                     cuda::device_status());
}

std::unique_ptr<Engine> make_engine(const EngineOptions& options) {
  const std::vector<std::string> available = available_backends();
  std::string backend = options.backend;
  if (backend == "auto") {
    auto local = std::ranges::find_if(available, [](const std::string& name) {
      return name != "openai" && name != "replay" && (name != "cuda" || cuda_device_visible());
    });
    if (local == available.end()) {
      throw std::invalid_argument("no local inference backend is available for --backend auto");
    }
    backend = *local;
  }
  const cpu::Activations activations = parse_cpu_activations(backend, options.cpu_activations);
  const cuda::KvDtype kv_dtype = parse_kv_cache_dtype(backend, options.kv_cache_dtype);
  if (backend == "cpu") {
    cpu::CpuEngineOptions cpu_options{.model_dir = options.model, .threads = options.threads,
                                      .chat_template = options.chat_template};
    cpu_options.activations = activations;
    if (activations == cpu::Activations::kQ8) {
      cpu_options.arithmetic =
          "fp32, except matmuls over GGML blocks: int8 activations per 32 elements "
          "(--cpu-activations q8)";
    }
    return std::make_unique<cpu::CpuEngine>(cpu_options);
  }
  if (backend == "openai") {
    return std::make_unique<http::OpenAiEngine>(
        http::OpenAiOptions{.endpoints = options.endpoints,
                            .model = options.model,
                            .api_key = options.api_key,
                            .concurrency = options.concurrency,
                            .raw_prompt = options.raw_prompt,
                            .request_timeout_s = options.request_timeout_s,
                            .stream = options.stream,
                            .retry = {.max_retries = options.max_retries}});
  }
  if (backend == "replay") {
    if (options.replay_from.empty()) {
      throw std::invalid_argument("the replay backend needs --from (a run directory or its log)");
    }
    return std::make_unique<replay::ReplayEngine>(options.replay_from);
  }
  if (backend == "cuda" && (cuda_device_visible() || kCudaEmulated)) {
    const bool device = cuda_device_visible();
    cpu::CpuEngineOptions cuda_options{.model_dir = options.model, .threads = options.threads,
                                       .chat_template = options.chat_template};
#if defined(BOXED_HAS_CUDA_DEV)
    if (device) {
      cuda_options.make_executor = [kv_dtype](const model::Model& m) {
        return cuda::dev::make_executor(m, kv_dtype);
      };
      // A GPU decodes many sequences at once: up to the largest decode-graph bucket (256 rows,
      // cuda_executor.h), over a KV pool of 90% of the device memory the weights left free, less
      // 4 GiB for activations, logits and cuBLASLt's workspace (the CPU's 4 GiB default would
      // hold a few thousand-token sequences of a 7B model).
      cuda_options.max_batch_sequences = 256;
      cuda_options.kv_cache_budget_bytes = [] {
        const int64_t free = static_cast<int64_t>(cuda::dev::device_free_bytes());
        return std::max<int64_t>(int64_t{1} << 30, (free - (int64_t{4} << 30)) / 10 * 9);
      };
    }
#endif
#if defined(BOXED_CUDA_BACKEND_EMULATED)
    if (!device) {
      cuda_options.make_executor = [kv_dtype](const model::Model& m) {
        return cuda::emu::make_executor(m, kv_dtype);
      };
    }
#endif
    cuda_options.backend_name = "cuda";
    cuda_options.arithmetic = fmt::format(
        "{}bf16 weights (GGUF blocks kept quantized), {}fp32 activations, {} KV cache",
        device ? "" : "CUDA kernels on the CPU emulation; ",
        device ? "cuBLASLt bf16 GEMMs, " : "", cuda::kv_dtype_name(kv_dtype));
    return std::make_unique<cpu::CpuEngine>(cuda_options);
  }
  if (backend == "cuda") throw cuda_unavailable();
  const std::vector<std::string> built = compiled_backends();
  const bool compiled = std::ranges::find(built, backend) != built.end();
  throw std::invalid_argument(fmt::format("backend '{}' is not {}; available: {}", backend,
                                          compiled ? "implemented yet" : "built into this binary",
                                          fmt::join(available, ", ")));
}

StepBackend make_step_backend(const std::string& backend, const model::Model& model,
                              const std::string& cpu_activations,
                              const std::string& kv_cache_dtype) {
  const cpu::Activations activations = parse_cpu_activations(backend, cpu_activations);
  const cuda::KvDtype kv_dtype = parse_kv_cache_dtype(backend, kv_cache_dtype);
  if (backend == "cpu") {
    return StepBackend{.name = "cpu", .device = "CPU",
                       .executor = cpu::make_step_executor(model, activations),
                       .bandwidth_kind = "read",
                       .measure_bandwidth = [] { return measure_read_bytes_per_s(size_t{512} << 20); }};
  }
  if (backend != "cuda") {
    throw std::invalid_argument(
        fmt::format("backend '{}' has no step executor to measure; expected cpu or cuda", backend));
  }
#if defined(BOXED_HAS_CUDA_DEV)
  if (cuda_device_visible()) {
    return StepBackend{.name = "cuda", .device = cuda::device_status(),
                       .dense_weights_as_bf16 = true,
                       .executor = cuda::dev::make_executor(model, kv_dtype),
                       .bandwidth_kind = "copy",
                       .measure_bandwidth = [] { return cuda::dev::copy_bytes_per_s(size_t{1} << 30); },
                       .peak_device_bytes = [] { return uint64_t{cuda::dev::device_bytes_peak()}; }};
  }
#endif
#if defined(BOXED_CUDA_BACKEND_EMULATED)
  // Host memory stands in for the device: its copy speed is the yardstick of the emulated steps.
  return StepBackend{.name = "cuda", .device = "CUDA emulation on the CPU", .emulated = true,
                     .dense_weights_as_bf16 = true,
                     .executor = cuda::emu::make_executor(model, kv_dtype),
                     .bandwidth_kind = "copy",
                     .measure_bandwidth = [] { return cuda::emu::copy_bytes_per_s(size_t{256} << 20); },
                     .peak_device_bytes = [] { return uint64_t{cuda::emu::device_bytes_peak()}; }};
#else
  (void)kv_dtype;  // no CUDA executor in this build
  throw cuda_unavailable();
#endif
}

}  // namespace boxed::inference
