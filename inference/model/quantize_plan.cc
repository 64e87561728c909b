#include "inference/model/quantize_plan.h"

#include <algorithm>

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

std::vector<PlannedType> plan_tensor_types(const QuantScheme& s, const std::vector<PlanTensor>& tensors,
                                           int n_layers) {
  const auto is = [](const PlanTensor& t, std::string_view suffix) { return t.name.ends_with(suffix); };
  const bool has_output = std::any_of(tensors.begin(), tensors.end(),
                                      [](const PlanTensor& t) { return t.name == "output.weight"; });
  const int n_attn_v = static_cast<int>(std::count_if(
      tensors.begin(), tensors.end(), [&](const PlanTensor& t) { return is(t, "attn_v.weight"); }));
  int i_attn_v = 0, i_ffn_down = 0;  // llama-quant.cpp qs.i_attention_wv, qs.i_ffn_down
  std::vector<PlannedType> out;
  for (const PlanTensor& t : tensors) {
    const bool quantizable = t.shape.size() >= 2 && t.name.ends_with("weight") && !t.name.ends_with("_norm.weight");
    if (!quantizable) {
      out.push_back({DType::kF32, s.base == DType::kF32 ? "" : "1-D or norm: kept F32"});
      continue;
    }
    if (!dtype_is_quantized(s.base)) {
      out.push_back({s.base, ""});
      continue;
    }
    DType type = s.base;
    std::string note;
    if (s.mixture) {
      const bool is_output = t.name == "output.weight" || (!has_output && t.name == "token_embd.weight");
      if (is_output && type != DType::kQ8_0) {
        type = DType::kQ6_K;
        note = "output tensor";
      } else if (s.name == "q4_k_m" && is(t, "attn_v.weight") && uses_more_bits(i_attn_v, n_attn_v)) {
        type = DType::kQ6_K;
        note = "more bits";
      } else if (s.name == "q4_k_m" && is(t, "ffn_down.weight") && uses_more_bits(i_ffn_down, n_layers)) {
        type = DType::kQ6_K;
        note = "more bits";
      }
    }
    // llama.cpp counts these only where its mixture rules run (not with --pure).
    if (s.mixture && is(t, "attn_v.weight")) ++i_attn_v;
    if (s.mixture && is(t, "ffn_down.weight")) ++i_ffn_down;
    out.push_back(fall_back(type, t.shape.back(), std::move(note)));
  }
  return out;
}

}  // namespace boxed::inference::model
