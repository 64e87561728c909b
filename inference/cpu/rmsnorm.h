// RMSNorm (Zhang & Sennrich 2019), as transformers' Qwen2RMSNorm / LlamaRMSNorm compute it in
// fp32: y = w ⊙ (x / sqrt(mean(x²) + eps)).
//
//   rmsnorm(x.data(), n_tokens, layer.input_norm, config.rms_norm_eps, xn.data());  // [n, dim]
//
// Rows are independent (oneTBB over rows); mean(x²) is a dot() (see dot.h).
#pragma once

#include "inference/model/safetensors.h"

namespace boxed::inference::cpu {

void rmsnorm(const float* x, int n, const model::TensorView& weight, float eps, float* y);

}  // namespace boxed::inference::cpu
