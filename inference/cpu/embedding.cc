#include "inference/cpu/embedding.h"

namespace boxed::inference::cpu {

void embed(std::span<const int32_t> tokens, const model::TensorView& table, float* out) {
  const size_t dim = static_cast<size_t>(table.shape[1]);
  for (size_t t = 0; t < tokens.size(); ++t) {
    model::convert_to_f32(table.dtype, table.row(tokens[t]), dim, out + t * dim);
  }
}

}  // namespace boxed::inference::cpu
