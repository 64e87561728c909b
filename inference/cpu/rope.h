// Rotary position embedding (Su et al. 2021) in the rotate-half layout of transformers'
// apply_rotary_pos_emb: for i < d/2, with θ_i = p · inv_freq[i],
//   y[i]       = x[i] cos θ_i − x[i + d/2] sin θ_i
//   y[i + d/2] = x[i + d/2] cos θ_i + x[i] sin θ_i
// inv_freq[i] = theta^(−2i/d), optionally rescaled by Llama-3.1's "llama3" rule (from config.json)
// or divided by per-frequency factors (the same rule as a GGUF file stores it, rope_freqs.weight).
//
//   std::vector<float> inv_freq = rope_inv_freq(config);   // once per model
//   apply_rope(q_head, head_dim, position, inv_freq.data());
//
// Computed in fp32 in the same order as transformers (inv_freq, then p · inv_freq, then cos/sin).
#pragma once

#include <vector>

#include "inference/model/model_config.h"

namespace boxed::inference::cpu {

// [head_dim / 2]; llama3 scaling per transformers modeling_rope_utils
// `_compute_llama3_parameters` (Llama 3.1 reference code, "apply_scaling"); freq_factors as
// llama.cpp's ggml_rope_ext (theta_i = p * base^(-2i/d) / factor_i).
std::vector<float> rope_inv_freq(const model::ModelConfig& config);

void apply_rope(float* x, int head_dim, int position, const float* inv_freq);

}  // namespace boxed::inference::cpu
