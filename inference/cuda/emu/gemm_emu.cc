// gemm.h in emulation: the CPU reference matmul over the "device" (host) bf16 bytes.
#include "inference/cpu/matmul.h"
#include "inference/cuda/gemm.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

struct Gemm::Impl {};

Gemm::Gemm() = default;
Gemm::~Gemm() = default;

uint64_t Gemm::buffer_generation() const { return 0; }  // no buffers of its own

void Gemm::matmul(Stream&, const float* x, int n, const DeviceMatrix& w, const float* bias,
                  float* y) {
  if (n == 0) return;
  const model::TensorView weight{.name = "gemm.w", .dtype = model::DType::kBF16,
                                 .shape = {w.rows, w.cols},
                                 .data = static_cast<const std::byte*>(w.data.get())};
  const model::TensorView bias_view{.name = "gemm.bias", .dtype = model::DType::kF32,
                                    .shape = {w.rows},
                                    .data = reinterpret_cast<const std::byte*>(bias)};
  cpu::matmul(x, n, weight, bias != nullptr ? &bias_view : nullptr, y);
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
