// Reader of the safetensors format: an 8-byte little-endian header length, a JSON header
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}} and the raw
// tensor bytes (huggingface/safetensors README, "Format"). The file is memory-mapped; tensors
// are views into the mapping and live as long as the SafetensorsFile.
//
//   SafetensorsFile file("model.safetensors");   // validates header, offsets and sizes
//   const TensorView* t = file.find("model.norm.weight");
//
// A truncated or corrupt file (short header, bad JSON, offsets past the end, overlapping or
// size-mismatched data) throws std::runtime_error naming the file and tensor, never reads out of
// bounds. Unsupported dtypes (anything but BF16/F16/F32/I32) are refused by name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "inference/model/dtype.h"
#include "inference/model/mapped_file.h"

namespace boxed::inference::model {

struct AwqLinear;  // inference/model/awq.h

// A dtype-tagged, row-major view of tensor bytes owned by someone else. Quantized tensors (from
// GGUF) are rows of whole blocks along the last dimension.
//
// An AWQ linear weight (awq set) is the logical [out, in] weight of three packed tensors: its
// dtype is I32 and data is null, so code that reads it as plain elements fails loudly; the
// matmul reads it through `awq`.
struct TensorView {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const std::byte* data = nullptr;
  std::shared_ptr<const AwqLinear> awq;

  int64_t numel() const;
  size_t row_bytes() const { return dtype_row_bytes(dtype, shape.empty() ? 1 : shape.back()); }
  size_t size_bytes() const {
    const int64_t cols = shape.empty() ? 1 : shape.back();
    return cols == 0 ? 0 : static_cast<size_t>(numel() / cols) * row_bytes();
  }
  // Row `r` of a 2-D tensor [rows, cols] as bytes (whole blocks for a quantized type).
  const std::byte* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes(); }
};

class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);

  const TensorView* find(const std::string& name) const;  // nullptr when absent
  // The stored dtype name of a tensor whose dtype this reader does not support ("I8", "F64",
  // ...), or "" — such tensors are listed here instead of in tensors().
  std::string unsupported_dtype(const std::string& name) const;
  const std::map<std::string, std::string>& unsupported() const { return unsupported_; }
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::filesystem::path& path() const { return file_->path(); }

 private:
  std::unique_ptr<MappedFile> file_;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> unsupported_;  // name -> dtype name
};

}  // namespace boxed::inference::model
