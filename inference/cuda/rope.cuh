// Rotary position embedding, rotate-half layout (cpu/rope.h `apply_rope`), in place over every
// head of every token: for i < d/2, θ = positions[t] · inv_freq[i],
//   y[i] = x[i] cos θ − x[i + d/2] sin θ,   y[i + d/2] = x[i + d/2] cos θ + x[i] sin θ.
// inv_freq (already llama3-scaled, cpu::rope_inv_freq) is uploaded once per model.
// Bytes: reads and writes n · n_heads · head_dim · 4, reads n · 4 + head_dim / 2 · 4.
//
//   apply_rope(stream, q_dev, n_tokens, n_heads, head_dim, positions_dev, inv_freq_dev);
#pragma once

#include <cstdint>

#include "inference/cuda/runtime.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

// x: [n, n_heads, head_dim]
void apply_rope(Stream& stream, float* x, int n, int n_heads, int head_dim,
                const int32_t* positions, const float* inv_freq);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
