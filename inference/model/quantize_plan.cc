#include "inference/model/quantize_plan.h"

#include <cstdio>

#include <fmt/format.h>

namespace boxed::inference::model {
namespace {

// general.file_type values: llama.h enum llama_ftype (ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q4_0 =
// 2, MOSTLY_Q8_0 = 7, MOSTLY_Q4_K_S = 14, MOSTLY_Q4_K_M = 15, MOSTLY_Q5_K_S = 16, MOSTLY_Q6_K =
// 18, MOSTLY_BF16 = 32).
constexpr QuantScheme kSchemes[] = {
    {"f32", DType::kF32, false, 0, "F32"},
    {"f16", DType::kF16, false, 1, "F16"},
    {"bf16", DType::kBF16, false, 32, "BF16"},
    {"q8_0", DType::kQ8_0, true, 7, "Q8_0"},
    {"q6_k", DType::kQ6_K, true, 18, "Q6_K"},
    {"q5_k", DType::kQ5_K, false, 16, "--pure Q5_K_S"},
    {"q4_k", DType::kQ4_K, false, 14, "--pure Q4_K_S"},
    {"q4_k_m", DType::kQ4_K, true, 15, "Q4_K_M"},
    {"q4_0", DType::kQ4_0, true, 2, "Q4_0"},
};

// The layer of "blk.N.…", -1 for any other name.
int layer_of(const std::string& name) {
  int layer = -1;
  if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) return -1;
  return layer;
}

// tensor_type_fallback: the type a row length that is not whole blocks of `t` gets instead.
PlannedType fall_back(DType t, int64_t cols, std::string note) {
  if (cols % dtype_block_elems(t) == 0) return {t, std::move(note)};
  DType instead = t;
  if (t == DType::kQ4_K) instead = DType::kQ5_0;
  if (t == DType::kQ5_K) instead = DType::kQ5_1;
  if (t == DType::kQ6_K) instead = DType::kQ8_0;
  if (cols % dtype_block_elems(instead) != 0) instead = DType::kF16;
  return {instead, fmt::format("fallback from {}: a row of {} is not whole blocks of {}", dtype_name(t),
                               cols, dtype_block_elems(t))};
}

}  // namespace

const QuantScheme* find_quant_scheme(std::string_view name) {
  for (const QuantScheme& s : kSchemes) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string quant_scheme_names() {
  std::string out;
  for (const QuantScheme& s : kSchemes) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

bool uses_more_bits(int layer, int n_layers) {
  return layer < n_layers / 8 || layer >= 7 * n_layers / 8 || (layer - n_layers / 8) % 3 == 2;
}

PlannedType plan_tensor_type(const QuantScheme& s, const std::string& name, const std::vector<int64_t>& shape,
                             const TensorPlanContext& ctx) {
  const bool quantizable = shape.size() >= 2 && name.ends_with("weight") && !name.ends_with("_norm.weight");
  if (!quantizable) return {DType::kF32, s.base == DType::kF32 ? "" : "1-D or norm: kept F32"};
  if (!dtype_is_quantized(s.base)) return {s.base, ""};
  DType t = s.base;
  std::string note;
  if (s.mixture) {
    const bool is_output = name == "output.weight" || (!ctx.has_output_tensor && name == "token_embd.weight");
    const int layer = layer_of(name);
    if (is_output && t != DType::kQ8_0) {
      t = DType::kQ6_K;
      note = "output tensor";
    } else if (s.name == "q4_k_m" && layer >= 0 && uses_more_bits(layer, ctx.n_layers) &&
               (name.ends_with(".attn_v.weight") || name.ends_with(".ffn_down.weight"))) {
      t = DType::kQ6_K;
      note = "more bits layer";
    }
  }
  return fall_back(t, shape.back(), std::move(note));
}

}  // namespace boxed::inference::model
