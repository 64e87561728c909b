#include "inference/engine_factory.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <stdexcept>

#include "build_info.h"
#include "inference/cuda/device.h"

namespace boxed::inference {

std::vector<std::string> compiled_backends() {
  std::vector<std::string> names;
  if (build_info::kWithCuda) names.push_back("cuda");
  return names;
}

std::vector<std::string> available_backends() {
  std::vector<std::string> names;
  for (const std::string& name : compiled_backends()) {
    if (name == "cuda" && cuda::device_count() == 0) continue;
    names.push_back(name);
  }
  return names;
}

std::unique_ptr<Engine> make_engine(const EngineOptions& options) {
  const std::vector<std::string> available = available_backends();
  std::string backend = options.backend;
  if (backend == "auto") {
    if (available.empty()) throw std::invalid_argument("no inference backend is available");
    backend = available.front();
  }
  const std::vector<std::string> built = compiled_backends();
  const bool compiled = std::ranges::find(built, backend) != built.end();
  if (compiled && backend == "cuda" && cuda::device_count() == 0) {
    throw std::invalid_argument(
        fmt::format("backend 'cuda' is built in but no CUDA device is visible ({})",
                    cuda::device_status()));
  }
  throw std::invalid_argument(fmt::format("backend '{}' is not {}; available: {}", backend,
                                          compiled ? "implemented yet" : "built into this binary",
                                          fmt::join(available, ", ")));
}

}  // namespace boxed::inference
