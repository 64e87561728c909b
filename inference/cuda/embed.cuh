// Token embedding lookup (cpu/embedding.h `embed`): out[t, :] = table[tokens[t], :] as fp32,
// from a bf16 table or from one kept in its GGUF blocks (quant_blocks.cuh: the host's
// dequantised values bit for bit).
// Bytes: reads n · dim · 2 (bf16 rows) or n · row_bytes (blocks) + n · 4 (ids), writes
// n · dim · 4.
//
//   embed(stream, tokens_dev, n_tokens, table_bf16_dev, hidden, x_dev);   // x: [n, hidden]
//   embed_quantized(stream, tokens_dev, n_tokens, table_blocks_dev, DType::kQ8_0, hidden, x_dev);
#pragma once

#include <cstdint>

#include "inference/cuda/runtime.h"
#include "inference/model/dtype.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

void embed(Stream& stream, const int32_t* tokens, int n, const uint16_t* table, int dim, float* out);

// Rows of dtype_row_bytes(dtype, dim) bytes; dtype one of quant_kernels_support's.
void embed_quantized(Stream& stream, const int32_t* tokens, int n, const uint8_t* table,
                     model::DType dtype, int dim, float* out);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
