// From a run-time DType to the compile-time block type of quant_blocks.cuh, for the host side of
// the kernels that read GGUF blocks on the device (quant_matmul.cu, embed.cu):
//
//   quant_dispatch(dtype, launcher);   // calls launcher.template operator()<quant::Q4_K>()
//
// Included only by .cu files, after quant_blocks.cuh.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

#include "inference/model/dtype.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

inline bool quant_dispatch_supports(model::DType dtype) {
  switch (dtype) {
    case model::DType::kQ4_0: case model::DType::kQ4_1: case model::DType::kQ5_0:
    case model::DType::kQ5_1: case model::DType::kQ8_0: case model::DType::kQ2_K:
    case model::DType::kQ3_K: case model::DType::kQ4_K: case model::DType::kQ5_K:
    case model::DType::kQ6_K:
      return true;
    default:
      return false;
  }
}

template <typename F>
void quant_dispatch(model::DType dtype, const F& f) {
  switch (dtype) {
    case model::DType::kQ4_0: return f.template operator()<quant::Q4_0>();
    case model::DType::kQ4_1: return f.template operator()<quant::Q4_1>();
    case model::DType::kQ5_0: return f.template operator()<quant::Q5_0>();
    case model::DType::kQ5_1: return f.template operator()<quant::Q5_1>();
    case model::DType::kQ8_0: return f.template operator()<quant::Q8_0>();
    case model::DType::kQ2_K: return f.template operator()<quant::Q2_K>();
    case model::DType::kQ3_K: return f.template operator()<quant::Q3_K>();
    case model::DType::kQ4_K: return f.template operator()<quant::Q4_K>();
    case model::DType::kQ5_K: return f.template operator()<quant::Q5_K>();
    case model::DType::kQ6_K: return f.template operator()<quant::Q6_K>();
    default:  // callers check_quant_shape first
      throw std::logic_error(fmt::format("quant_dispatch: {} is not a block type",
                                         std::string(model::dtype_name(dtype))));
  }
}

// `in` (the row length) must be a whole number of blocks.
inline void check_quant_shape(const char* what, model::DType dtype, int in) {
  if (!quant_dispatch_supports(dtype)) {
    throw std::invalid_argument(fmt::format("{}: no device kernel reads {} weights", what,
                                            std::string(model::dtype_name(dtype))));
  }
  if (in <= 0 || in % model::dtype_block_elems(dtype) != 0) {
    throw std::invalid_argument(fmt::format("{}: rows of {} elements are not whole {} blocks of {}",
                                            what, in, std::string(model::dtype_name(dtype)),
                                            model::dtype_block_elems(dtype)));
  }
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
