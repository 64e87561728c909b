// upload_matrix / upload_f32 of gemm.h: host-side conversion, one copy per tensor.
#include <fmt/format.h>

#include <stdexcept>
#include <vector>

#include "inference/cuda/gemm.h"
#include "inference/cuda/quant_matmul.cuh"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

DeviceMatrix upload_matrix(Stream& stream, const model::TensorView& t) {
  const bool quantized = model::dtype_is_quantized(t.dtype);
  if (t.shape.size() != 2 || (quantized && !quant_kernels_support(t.dtype)) ||
      t.dtype == model::DType::kI32) {
    throw std::invalid_argument(fmt::format(
        "cuda upload: tensor '{}' must be a 2-D matrix of BF16/F16/F32 or a GGML block type, "
        "found {} dims of {}", t.name, t.shape.size(), model::dtype_name(t.dtype)));
  }
  if (quantized) {  // kept in its blocks: quant_matmul.cuh and embed.cuh decode them
    DeviceMatrix m{DeviceBuffer(t.size_bytes()), static_cast<int>(t.shape[0]),
                   static_cast<int>(t.shape[1]), t.dtype};
    stream.to_device(m.data.get(), t.data, t.size_bytes());
    return m;
  }
  DeviceMatrix m{DeviceBuffer(static_cast<size_t>(t.numel()) * 2), static_cast<int>(t.shape[0]),
                 static_cast<int>(t.shape[1])};
  if (t.dtype == model::DType::kBF16) {
    stream.to_device(m.data.get(), t.data, m.data.bytes());
    return m;
  }
  // Row by row, so a 150k x 8k F32 matrix never needs a second full host copy.
  std::vector<float> row(static_cast<size_t>(m.cols));
  std::vector<uint16_t> bf16(static_cast<size_t>(m.cols));
  for (int r = 0; r < m.rows; ++r) {
    model::convert_to_f32(t.dtype, t.row(r), row.size(), row.data());
    for (size_t i = 0; i < row.size(); ++i) bf16[i] = model::f32_to_bf16(row[i]);
    stream.to_device(m.data.as<uint16_t>() + static_cast<size_t>(r) * m.cols, bf16.data(),
                     bf16.size() * 2);
  }
  return m;
}

DeviceBuffer upload_f32(Stream& stream, const model::TensorView& t) {
  std::vector<float> host(static_cast<size_t>(t.numel()));
  model::convert_to_f32(t.dtype, t.data, host.size(), host.data());
  DeviceBuffer b(host.size() * sizeof(float));
  stream.to_device(b, host);
  return b;
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
