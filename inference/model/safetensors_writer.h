// Writer of the safetensors format (huggingface/safetensors README, "Format"): the inverse of
// SafetensorsFile, used by `boxed make-tiny-model`, the benchmarks and the loader's tests.
//
//   std::vector<TensorData> tensors;
//   tensors.push_back(make_tensor("model.norm.weight", DType::kBF16, {64}, values));  // fp32 in
//   write_safetensors("dir/model.safetensors", tensors, {{"format", "pt"}});
//
// Tensors are stored in name order, the JSON header is padded with spaces to a multiple of 8
// bytes (as the reference writer does), and the file is written to a temporary name and renamed.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "inference/model/dtype.h"

namespace boxed::inference::model {

struct TensorData {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::vector<std::byte> bytes;  // row-major, little-endian, numel * dtype size
};

// `values` (fp32) rounded to `dtype` (round-to-nearest-even for BF16 and F16).
TensorData make_tensor(std::string name, DType dtype, std::vector<int64_t> shape,
                       std::span<const float> values);

// Throws std::runtime_error naming the path when it cannot be written, or std::invalid_argument
// when a tensor's byte count disagrees with its dtype and shape.
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorData>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace boxed::inference::model
