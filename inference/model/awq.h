// AutoAWQ "GEMM" checkpoints: 4-bit weights with a per-group scale and zero point, packed eight
// to an int32, read from safetensors and dequantised a few output rows at a time.
//
//   std::optional<AwqConfig> q = parse_awq_config(config["quantization_config"], "config.json");
//   AwqLinear w = ...;                           // from Model::load (model.cc)
//   std::vector<float> tile(16 * w.in);
//   awq_dequantize_rows(w, /*row0=*/0, /*rows=*/16, tile.data());   // W[0..16, :] as fp32
//
// Layout (AutoAWQ awq/modules/linear/gemm.py, WQLinear_GEMM; config fields as written by
// AutoAWQ's AwqConfig.to_transformers_dict and read by transformers' AwqConfig):
//   qweight  I32 [in, out / 8]          nibble i of qweight[k, c] is q[k, 8c + kAwqOrder[i]]
//   qzeros   I32 [in / group, out / 8]  packed the same way
//   scales   F16 [in / group, out]
//   W[o, k] = (q[k, o] - z[k / group, o]) * s[k / group, o]
// kAwqOrder = {0, 2, 4, 6, 1, 3, 5, 7}: WQLinear_GEMM.from_linear's `order_map`, also
// AWQ_ORDER in awq/utils/packing_utils.py (AutoAWQ 0.2.9).
//
// The product (q - z) * s of a 5-bit integer and an fp16 scale is exact in fp32, so a tile here
// has the bits of the checkpoint's fp32 dequantised twin and a matmul over it gives that twin's
// results bit for bit.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "inference/model/model_config.h"
#include "inference/model/safetensors.h"

namespace boxed::inference::model {

inline constexpr int kAwqOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};

// config.json "quantization_config" → AwqConfig. Only quant_method "awq", version "gemm",
// 4 bits, zero_point true are loaded; anything else (GPTQ, AWQ GEMV / GEMV-fast / Marlin /
// ExLlama / IPEX, other bit widths, zero_point false) is refused by name with the field.
AwqConfig parse_awq_config(const nlohmann::json& quantization_config, const std::string& source);

// One AWQ linear layer, views into the mapped checkpoint.
struct AwqLinear {
  int64_t out = 0;  // output features
  int64_t in = 0;   // input features
  int group_size = 0;
  TensorView qweight;  // I32 [in, out / 8]
  TensorView qzeros;   // I32 [in / group, out / 8]
  TensorView scales;   // F16 (or BF16 / F32) [in / group, out]
};

// Checks shapes and dtypes of the three tensors against [out, in] and the group size; throws
// std::runtime_error naming `where` and the tensor, expected versus found.
void validate_awq_linear(const AwqLinear& w, const std::string& where);

// dst[r * in + k] = W[row0 + r, k] for r < rows. row0 and rows must be multiples of 8.
void awq_dequantize_rows(const AwqLinear& w, int64_t row0, int rows, float* dst);

}  // namespace boxed::inference::model
