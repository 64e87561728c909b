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
//
// A tensor may also be added with a producer instead of its bytes (boxed quantize): write()
// calls each producer once, in order, into a buffer of exactly the tensor's size and streams it
// to the file, so only one such tensor is in memory at a time.
//
//   w.add_produced_tensor("blk.0.ffn_up.weight", DType::kQ4_K, {4864, 896},
//                [&](std::span<std::byte> out) { /* fill out */ });
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
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
  // The bytes come from `produce` at write time (see above).
  using Producer = std::function<void(std::span<std::byte> out)>;
  void add_produced_tensor(std::string name, DType dtype, std::vector<int64_t> shape, Producer produce);

  std::vector<std::byte> to_bytes() const;
  // Writes to `path`.tmp and renames it to `path`; on any failure (a producer's exception
  // included) the temporary file is removed and the error rethrown. Throws std::runtime_error
  // naming the path when it cannot be written.
  void write(const std::filesystem::path& path) const;

 private:
  std::vector<std::byte> header_bytes(uint32_t alignment) const;
  std::vector<std::byte> tensor_bytes(size_t i) const;
  uint32_t alignment() const;

  uint32_t version_;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<TensorData> tensors_;  // bytes empty for a produced tensor
  std::vector<Producer> producers_;  // parallel to tensors_; empty function for stored bytes
  std::vector<size_t> sizes_;        // parallel to tensors_: the tensor's bytes
};

}  // namespace boxed::inference::model
