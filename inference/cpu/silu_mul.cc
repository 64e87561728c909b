#include "inference/cpu/silu_mul.h"

#include <cmath>

namespace boxed::inference::cpu {

void silu_mul(const float* gate, const float* up, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

}  // namespace boxed::inference::cpu
