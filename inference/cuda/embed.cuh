// Token embedding lookup (cpu/embedding.h `embed`): out[t, :] = float(table[tokens[t], :]).
// Bytes: reads n · dim · 2 (bf16 rows) + n · 4 (ids), writes n · dim · 4.
//
//   embed(stream, tokens_dev, n_tokens, table_bf16_dev, hidden, x_dev);   // x: [n, hidden]
#pragma once

#include <cstdint>

#include "inference/cuda/runtime.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

void embed(Stream& stream, const int32_t* tokens, int n, const uint16_t* table, int dim, float* out);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
