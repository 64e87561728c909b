// Writer of GGUF files (ggml/docs/gguf.md, version 3 by default, 2 on request): the inverse of
// GgufFile. Used by the tests to build fixture files and by model conversion.
//
//   GgufWriter w;
//   w.set("general.architecture", GgufValue::of_string("llama"));
//   w.set("llama.block_count", GgufValue::of_u32(2));
//   w.add_tensor("output_norm.weight", DType::kF32, {64}, bytes);      // shape in HF order
//   w.write("tiny.gguf");              // temporary name, then renamed
//
// Metadata is written in the order keys were first set; tensors in the order added, each at an
// offset aligned to `general.alignment` (a uint32 key, default 32) and zero-padded.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "inference/model/dtype.h"
#include "inference/model/gguf_file.h"
#include "inference/model/safetensors_writer.h"

namespace boxed::inference::model {

class GgufWriter {
 public:
  explicit GgufWriter(uint32_t version = 3) : version_(version) {}

  void set(const std::string& key, GgufValue value);  // replaces an earlier value of `key`
  // `shape` is row-major (HF order, [rows, cols]); GGUF stores it reversed. `bytes` must hold
  // exactly the tensor (whole rows of blocks); std::invalid_argument otherwise.
  void add_tensor(std::string name, DType dtype, std::vector<int64_t> shape,
                  std::vector<std::byte> bytes);
  void add_tensor(TensorData tensor);

  std::vector<std::byte> to_bytes() const;
  // Throws std::runtime_error naming the path when it cannot be written.
  void write(const std::filesystem::path& path) const;

 private:
  uint32_t version_;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<TensorData> tensors_;
};

}  // namespace boxed::inference::model
