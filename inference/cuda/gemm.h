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

// A weight matrix in device memory: bf16 [rows, cols], or a GGUF block type as in the file
// (rows of dtype_row_bytes(dtype, cols) bytes), which quant_matmul.cuh multiplies by instead of
// this GEMM.
struct DeviceMatrix {
  DeviceBuffer data;
  int rows = 0;
  int cols = 0;
  model::DType dtype = model::DType::kBF16;
  bool quantized() const { return dtype != model::DType::kBF16; }
};

// A 2-D tensor on the device: BF16/F16/F32 as bf16 (BF16 bytes copied as they are); a GGUF block
// type that quant_kernels_support takes, its bytes as they are. Throws std::invalid_argument
// naming the tensor for anything else.
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
  // Counts the moves of the GEMM's own device buffers (graphs that captured them go stale).
  uint64_t buffer_generation() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
