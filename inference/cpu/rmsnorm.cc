#include "inference/cpu/rmsnorm.h"

#include <cmath>
#include <vector>

#include "inference/cpu/dot.h"
#include "inference/cpu/parallel.h"

namespace boxed::inference::cpu {

void rmsnorm(const float* x, int n, const model::TensorView& weight, float eps, float* y) {
  const int dim = static_cast<int>(weight.shape[0]);
  std::vector<float> w(dim);
  model::convert_to_f32(weight.dtype, weight.data, dim, w.data());
  parallel_items(n, grain_for(dim), [&](int t) {
    const float* xt = x + static_cast<size_t>(t) * dim;
    float* yt = y + static_cast<size_t>(t) * dim;
    const float mean_square = dot(xt, xt, dim) / static_cast<float>(dim);
    const float inv_rms = 1.0f / std::sqrt(mean_square + eps);
    for (int i = 0; i < dim; ++i) yt[i] = w[i] * (xt[i] * inv_rms);
  });
}

}  // namespace boxed::inference::cpu
