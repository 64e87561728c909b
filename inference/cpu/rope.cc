#include "inference/cpu/rope.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include <fmt/format.h>

namespace boxed::inference::cpu {

std::vector<float> rope_inv_freq(const model::ModelConfig& config) {
  const int half = config.head_dim / 2;
  std::vector<float> inv_freq(half);
  for (int i = 0; i < half; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(config.head_dim);
    inv_freq[i] = 1.0f / std::pow(config.rope_theta, exponent);
  }
  const model::RopeScaling& s = config.rope_scaling;
  if (s.type == "freq_factors") {
    if (s.freq_factors.size() != inv_freq.size()) {
      throw std::logic_error(fmt::format("rope: {} frequency factors for head size {} (expected {})",
                                         s.freq_factors.size(), config.head_dim, inv_freq.size()));
    }
    for (int i = 0; i < half; ++i) inv_freq[i] /= s.freq_factors[i];
    return inv_freq;
  }
  if (s.type != "llama3") return inv_freq;
  // Wavelengths longer than the original context / low_freq_factor are slowed down by
  // `factor`; shorter than original / high_freq_factor are kept; in between, interpolated.
  const float old_context = static_cast<float>(s.original_max_position_embeddings);
  const float low_freq_wavelen = old_context / s.low_freq_factor;
  const float high_freq_wavelen = old_context / s.high_freq_factor;
  for (float& f : inv_freq) {
    const float wavelen = 2.0f * std::numbers::pi_v<float> / f;
    if (wavelen > low_freq_wavelen) {
      f = f / s.factor;
    } else if (wavelen >= high_freq_wavelen) {
      const float smooth =
          (old_context / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
      f = (1.0f - smooth) * f / s.factor + smooth * f;
    }
  }
  return inv_freq;
}

void apply_rope(float* x, int head_dim, int position, const float* inv_freq) {
  const int half = head_dim / 2;
  for (int i = 0; i < half; ++i) {
    const float angle = static_cast<float>(position) * inv_freq[i];
    const float c = std::cos(angle);
    const float s = std::sin(angle);
    const float a = x[i];
    const float b = x[i + half];
    x[i] = a * c - b * s;
    x[i + half] = b * c + a * s;
  }
}

}  // namespace boxed::inference::cpu
