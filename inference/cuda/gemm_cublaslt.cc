// gemm.h on the device: cuBLASLt bf16 × bf16 → fp32 with the bias epilogue (cuBLAS docs,
// "cublasLtMatmul", "cublasLtEpilogue_t"). Row-major W[out, in] is column-major [in, out], so
// D[out, n] (column-major, = row-major y[n, out]) = op_T(W) · X with X column-major [in, n].
#include <cublasLt.h>
#include <cuda_runtime.h>
#include <fmt/format.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <tuple>

#include "inference/cuda/gemm.h"
#include "inference/cuda/to_bf16.cuh"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

constexpr size_t kWorkspaceBytes = size_t{32} << 20;
constexpr size_t kMaxPlans = 4096;

void check(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error(fmt::format("cuBLASLt {}: status {}", what, static_cast<int>(status)));
  }
}

// One matmul shape's cuBLASLt objects and chosen algorithm, built on first use and kept: decode
// steps repeat the same few shapes thousands of times, and descriptor creation plus the
// heuristic query cost host time on every call otherwise.
struct Plan {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulAlgo_t algo{};

  Plan() = default;
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  ~Plan() {
    if (d) cublasLtMatrixLayoutDestroy(d);
    if (b) cublasLtMatrixLayoutDestroy(b);
    if (a) cublasLtMatrixLayoutDestroy(a);
    if (op) cublasLtMatmulDescDestroy(op);
  }
};

// rows and cols of W, tokens, whether the bias epilogue is on.
using PlanKey = std::tuple<int, int, int, bool>;

}  // namespace

struct Gemm::Impl {
  cublasLtHandle_t handle = nullptr;
  DeviceBuffer workspace{kWorkspaceBytes};
  DeviceBuffer x_bf16;
  uint64_t x_bf16_moves = 0;
  std::map<PlanKey, std::unique_ptr<Plan>> plans;

  const Plan& plan(const DeviceMatrix& w, int n, bool bias) {
    // Prefill makes a shape per prompt length; a bound keeps a long run's cache small.
    if (plans.size() >= kMaxPlans && plans.find(PlanKey{w.rows, w.cols, n, bias}) == plans.end()) {
      plans.clear();
    }
    std::unique_ptr<Plan>& slot = plans[PlanKey{w.rows, w.cols, n, bias}];
    if (slot) return *slot;
    auto p = std::make_unique<Plan>();
    check(cublasLtMatmulDescCreate(&p->op, CUBLAS_COMPUTE_32F, CUDA_R_32F), "matmul desc");
    const cublasOperation_t trans_a = CUBLAS_OP_T, trans_b = CUBLAS_OP_N;
    check(cublasLtMatmulDescSetAttribute(p->op, CUBLASLT_MATMUL_DESC_TRANSA, &trans_a,
                                         sizeof trans_a), "transa");
    check(cublasLtMatmulDescSetAttribute(p->op, CUBLASLT_MATMUL_DESC_TRANSB, &trans_b,
                                         sizeof trans_b), "transb");
    if (bias) {
      const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
      check(cublasLtMatmulDescSetAttribute(p->op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue,
                                           sizeof epilogue), "epilogue");
    }
    check(cublasLtMatrixLayoutCreate(&p->a, CUDA_R_16BF, w.cols, w.rows, w.cols), "layout W");
    check(cublasLtMatrixLayoutCreate(&p->b, CUDA_R_16BF, w.cols, n, w.cols), "layout x");
    check(cublasLtMatrixLayoutCreate(&p->d, CUDA_R_32F, w.rows, n, w.rows), "layout y");
    cublasLtMatmulPreference_t pref = nullptr;
    check(cublasLtMatmulPreferenceCreate(&pref), "preference");
    const size_t ws = workspace.bytes();
    cublasLtMatmulHeuristicResult_t heuristic{};
    int found = 0;
    cublasStatus_t status = cublasLtMatmulPreferenceSetAttribute(
        pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
    if (status == CUBLAS_STATUS_SUCCESS) {
      status = cublasLtMatmulAlgoGetHeuristic(handle, p->op, p->a, p->b, p->d, p->d, pref, 1,
                                              &heuristic, &found);
    }
    cublasLtMatmulPreferenceDestroy(pref);
    check(status, "heuristic");
    if (found == 0) {
      throw std::runtime_error(fmt::format(
          "cuBLASLt: no algorithm for the bf16 GEMM [{} x {}] x [{} x {}]ᵀ", n, w.cols, w.rows, w.cols));
    }
    p->algo = heuristic.algo;
    slot = std::move(p);
    return *slot;
  }
};

Gemm::Gemm() : impl_(std::make_unique<Impl>()) { check(cublasLtCreate(&impl_->handle), "create"); }

Gemm::~Gemm() {
  if (!impl_) return;
  impl_->plans.clear();  // before the handle
  if (impl_->handle != nullptr) cublasLtDestroy(impl_->handle);
}

uint64_t Gemm::buffer_generation() const { return impl_->x_bf16_moves; }

void Gemm::matmul(Stream& stream, const float* x, int n, const DeviceMatrix& w, const float* bias,
                  float* y) {
  if (n == 0) return;
  const size_t x_elems = static_cast<size_t>(n) * w.cols;
  if (impl_->x_bf16.bytes() < x_elems * 2) {
    impl_->x_bf16 = DeviceBuffer();
    impl_->x_bf16 = DeviceBuffer(x_elems * 2);
    ++impl_->x_bf16_moves;
  }
  to_bf16(stream, x, x_elems, impl_->x_bf16.as<uint16_t>());
  const Plan& p = impl_->plan(w, n, bias != nullptr);
  if (bias != nullptr) {
    check(cublasLtMatmulDescSetAttribute(p.op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias,
                                         sizeof bias), "bias pointer");
  }
  const float alpha = 1.0f, beta = 0.0f;
  check(cublasLtMatmul(impl_->handle, p.op, &alpha, w.data.get(), p.a, impl_->x_bf16.get(), p.b,
                       &beta, y, p.d, y, p.d, &p.algo, impl_->workspace.get(),
                       impl_->workspace.bytes(), static_cast<cudaStream_t>(stream.handle())),
        "matmul");
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
