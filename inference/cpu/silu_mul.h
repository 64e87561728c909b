// The SwiGLU activation of the Qwen2 / Llama MLP (Shazeer 2020, "GLU Variants Improve
// Transformer"): out = silu(gate) ⊙ up with silu(x) = x / (1 + e^(−x)), elementwise in fp32.
// The MLP is down_proj(silu_mul(gate_proj(x), up_proj(x))).
//
//   silu_mul(gate.data(), up.data(), n_tokens * intermediate_size, act.data());
#pragma once

#include <cstddef>

namespace boxed::inference::cpu {

void silu_mul(const float* gate, const float* up, size_t n, float* out);

}  // namespace boxed::inference::cpu
