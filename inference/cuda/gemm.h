// The one GEMM call of the CUDA backend (cpu/matmul.h `matmul`, same arguments after the
// stream): y[n, out] = x[n, in] · W[out, in]ᵀ (+ bias[out]), W stored bf16 on the device.
// On the device: cuBLASLt, x rounded to bf16, fp32 accumulation and output, the bias added by
// the CUBLASLT_EPILOGUE_BIAS epilogue (Qwen2's q/k/v bias). In emulation: the CPU reference
// matmul itself over the same bf16 bytes, so the emulated forward's GEMMs are the CPU
// backend's bit for bit.
// Bytes: reads out · in · 2 (W) + n · in · 4 (x), writes n · out · 4.
//
//   Gemm gemm;                                            // one per executor (handle, workspace)
//   DeviceMatrix wq = upload_matrix(stream, layer.q_proj); // bf16 [q_dim, hidden]
//   gemm.matmul(stream, xn_dev, n_tokens, wq, q_bias_dev /*or nullptr*/, q_dev);
#pragma once

#include <cstdint>
#include <memory>

#include "inference/cuda/runtime.h"
#include "inference/model/safetensors.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

struct DeviceMatrix {
  DeviceBuffer data;  // bf16 [rows, cols]
  int rows = 0;
  int cols = 0;
};

// A 2-D BF16/F16/F32 tensor as bf16 on the device (BF16 bytes copied as they are).
DeviceMatrix upload_matrix(Stream& stream, const model::TensorView& tensor);
// A 1-D tensor as fp32 on the device (norm weights, biases).
DeviceBuffer upload_f32(Stream& stream, const model::TensorView& tensor);

class Gemm {
 public:
  Gemm();
  ~Gemm();
  Gemm(const Gemm&) = delete;
  Gemm& operator=(const Gemm&) = delete;

  void matmul(Stream& stream, const float* x, int n, const DeviceMatrix& w, const float* bias,
              float* y);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
