// gemm.h on the device: cuBLASLt bf16 × bf16 → fp32 with the bias epilogue (cuBLAS docs,
// "cublasLtMatmul", "cublasLtEpilogue_t"). Row-major W[out, in] is column-major [in, out], so
// D[out, n] (column-major, = row-major y[n, out]) = op_T(W) · X with X column-major [in, n].
#include <cublasLt.h>
#include <cuda_runtime.h>
#include <fmt/format.h>

#include <stdexcept>

#include "inference/cuda/gemm.h"
#include "inference/cuda/to_bf16.cuh"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

constexpr size_t kWorkspaceBytes = size_t{32} << 20;

void check(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error(fmt::format("cuBLASLt {}: status {}", what, static_cast<int>(status)));
  }
}

}  // namespace

struct Gemm::Impl {
  cublasLtHandle_t handle = nullptr;
  DeviceBuffer workspace{kWorkspaceBytes};
  DeviceBuffer x_bf16;
};

Gemm::Gemm() : impl_(std::make_unique<Impl>()) { check(cublasLtCreate(&impl_->handle), "create"); }

Gemm::~Gemm() {
  if (impl_ && impl_->handle != nullptr) cublasLtDestroy(impl_->handle);
}

void Gemm::matmul(Stream& stream, const float* x, int n, const DeviceMatrix& w, const float* bias,
                  float* y) {
  if (n == 0) return;
  const size_t x_elems = static_cast<size_t>(n) * w.cols;
  if (impl_->x_bf16.bytes() < x_elems * 2) impl_->x_bf16 = DeviceBuffer(x_elems * 2);
  to_bf16(stream, x, x_elems, impl_->x_bf16.as<uint16_t>());

  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  const auto cleanup = [&] {
    if (pref) cublasLtMatmulPreferenceDestroy(pref);
    if (d) cublasLtMatrixLayoutDestroy(d);
    if (b) cublasLtMatrixLayoutDestroy(b);
    if (a) cublasLtMatrixLayoutDestroy(a);
    if (op) cublasLtMatmulDescDestroy(op);
  };
  try {
    check(cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F), "matmul desc");
    const cublasOperation_t trans_a = CUBLAS_OP_T, trans_b = CUBLAS_OP_N;
    check(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &trans_a, sizeof trans_a),
          "transa");
    check(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &trans_b, sizeof trans_b),
          "transb");
    if (bias != nullptr) {
      const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
      check(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue,
                                           sizeof epilogue), "epilogue");
      check(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias,
                                           sizeof bias), "bias pointer");
    }
    check(cublasLtMatrixLayoutCreate(&a, CUDA_R_16BF, w.cols, w.rows, w.cols), "layout W");
    check(cublasLtMatrixLayoutCreate(&b, CUDA_R_16BF, w.cols, n, w.cols), "layout x");
    check(cublasLtMatrixLayoutCreate(&d, CUDA_R_32F, w.rows, n, w.rows), "layout y");
    check(cublasLtMatmulPreferenceCreate(&pref), "preference");
    const size_t ws = impl_->workspace.bytes();
    check(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws,
                                               sizeof ws), "workspace");
    cublasLtMatmulHeuristicResult_t heuristic{};
    int found = 0;
    check(cublasLtMatmulAlgoGetHeuristic(impl_->handle, op, a, b, d, d, pref, 1, &heuristic, &found),
          "heuristic");
    if (found == 0) throw std::runtime_error("cuBLASLt: no algorithm for this bf16 GEMM");
    const float alpha = 1.0f, beta = 0.0f;
    check(cublasLtMatmul(impl_->handle, op, &alpha, w.data.get(), a, impl_->x_bf16.get(), b, &beta,
                         y, d, y, d, &heuristic.algo, impl_->workspace.get(), ws,
                         static_cast<cudaStream_t>(stream.handle())),
          "matmul");
  } catch (...) {
    cleanup();
    throw;
  }
  cleanup();
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
