// Token embedding lookup: row `token` of embed_tokens [vocab, hidden], converted to fp32.
//
//   embed(tokens, weights.embed_tokens, x.data());   // x: [n_tokens, hidden]
#pragma once

#include <cstdint>
#include <span>

#include "inference/model/safetensors.h"

namespace boxed::inference::cpu {

void embed(std::span<const int32_t> tokens, const model::TensorView& table, float* out);

}  // namespace boxed::inference::cpu
