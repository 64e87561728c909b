#include "inference/model/gguf_writer.h"

#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

namespace boxed::inference::model {
namespace {

class Buffer {
 public:
  template <class T>
  void put(T value) {
    put_raw(&value, sizeof(T));
  }
  void put_string(const std::string& s) {  // gguf.md gguf_string_t
    put<uint64_t>(s.size());
    put_raw(s.data(), s.size());
  }
  // resize + memcpy rather than vector::insert, which GCC 12 misreads as an overflow.
  void put_raw(const void* p, size_t n) {
    if (n == 0) return;
    const size_t at = bytes.size();
    bytes.resize(at + n);
    std::memcpy(bytes.data() + at, p, n);
  }
  void pad_to(size_t alignment) { bytes.resize((bytes.size() + alignment - 1) / alignment * alignment); }
  std::vector<std::byte> bytes;
};

void put_value(Buffer& out, const GgufValue& v) {
  switch (v.type) {
    case GgufType::kUint8: out.put<uint8_t>(static_cast<uint8_t>(v.uint)); return;
    case GgufType::kUint16: out.put<uint16_t>(static_cast<uint16_t>(v.uint)); return;
    case GgufType::kUint32: out.put<uint32_t>(static_cast<uint32_t>(v.uint)); return;
    case GgufType::kUint64: out.put<uint64_t>(v.uint); return;
    case GgufType::kInt8: out.put<int8_t>(static_cast<int8_t>(v.sint)); return;
    case GgufType::kInt16: out.put<int16_t>(static_cast<int16_t>(v.sint)); return;
    case GgufType::kInt32: out.put<int32_t>(static_cast<int32_t>(v.sint)); return;
    case GgufType::kInt64: out.put<int64_t>(v.sint); return;
    case GgufType::kFloat32: out.put<float>(static_cast<float>(v.real)); return;
    case GgufType::kFloat64: out.put<double>(v.real); return;
    case GgufType::kBool: out.put<uint8_t>(v.uint != 0 ? 1 : 0); return;
    case GgufType::kString: out.put_string(v.string); return;
    case GgufType::kArray:
      out.put<uint32_t>(static_cast<uint32_t>(v.array_type));
      out.put<uint64_t>(v.array_size);
      if (v.array_type == GgufType::kString) {
        for (const std::string& s : v.array_strings) out.put_string(s);
      } else if (v.array_type == GgufType::kArray) {
        for (const GgufValue& inner : v.array_arrays) put_value(out, inner);
      } else {
        out.put_raw(v.array_raw.data(), v.array_raw.size());
      }
      return;
  }
}

}  // namespace

void GgufWriter::set(const std::string& key, GgufValue value) {
  for (auto& [k, v] : metadata_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  metadata_.emplace_back(key, std::move(value));
}

void GgufWriter::add_tensor(std::string name, DType dtype, std::vector<int64_t> shape,
                            std::vector<std::byte> bytes) {
  add_tensor(TensorData{.name = std::move(name), .dtype = dtype, .shape = std::move(shape),
                        .bytes = std::move(bytes)});
}

namespace {

// Bytes of a tensor of `shape` stored as `dtype`, after checking that its rows are whole blocks.
size_t checked_tensor_bytes(const std::string& name, DType dtype, const std::vector<int64_t>& shape) {
  if (shape.empty() || shape.size() > 4) {
    throw std::invalid_argument(fmt::format("GgufWriter: tensor '{}': expected 1 to 4 dimensions, found {}",
                                            name, shape.size()));
  }
  const int64_t cols = shape.back();
  if (cols % dtype_block_elems(dtype) != 0) {
    throw std::invalid_argument(fmt::format("GgufWriter: tensor '{}': row of {} is not whole {} blocks",
                                            name, cols, dtype_name(dtype)));
  }
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < shape.size(); ++d) rows *= shape[d];
  return static_cast<size_t>(rows) * dtype_row_bytes(dtype, cols);
}

}  // namespace

void GgufWriter::add_tensor(TensorData tensor) {
  const size_t expected = checked_tensor_bytes(tensor.name, tensor.dtype, tensor.shape);
  if (tensor.bytes.size() != expected) {
    throw std::invalid_argument(fmt::format("GgufWriter: tensor '{}': expected {} bytes, found {}",
                                            tensor.name, expected, tensor.bytes.size()));
  }
  tensors_.push_back(std::move(tensor));
  producers_.emplace_back();
  sizes_.push_back(expected);
}

void GgufWriter::add_produced_tensor(std::string name, DType dtype, std::vector<int64_t> shape, Producer produce) {
  const size_t bytes = checked_tensor_bytes(name, dtype, shape);
  tensors_.push_back(TensorData{.name = std::move(name), .dtype = dtype, .shape = std::move(shape), .bytes = {}});
  producers_.push_back(std::move(produce));
  sizes_.push_back(bytes);
}

uint32_t GgufWriter::alignment() const {
  for (const auto& [k, v] : metadata_) {
    if (k == "general.alignment" && v.type == GgufType::kUint32 && v.uint != 0) {
      return static_cast<uint32_t>(v.uint);
    }
  }
  return 32;
}

// Everything before the tensor data: header, metadata, tensor infos, padding.
std::vector<std::byte> GgufWriter::header_bytes(uint32_t alignment) const {
  Buffer out;
  out.put<uint32_t>(0x46554747);  // "GGUF" as a little-endian uint32 (gguf.md)
  out.put<uint32_t>(version_);
  out.put<uint64_t>(tensors_.size());
  out.put<uint64_t>(metadata_.size());
  for (const auto& [key, value] : metadata_) {
    out.put_string(key);
    out.put<uint32_t>(static_cast<uint32_t>(value.type));
    put_value(out, value);
  }
  uint64_t offset = 0;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const TensorData& t = tensors_[i];
    out.put_string(t.name);
    out.put<uint32_t>(static_cast<uint32_t>(t.shape.size()));
    for (auto d = t.shape.rbegin(); d != t.shape.rend(); ++d) out.put<uint64_t>(static_cast<uint64_t>(*d));
    out.put<uint32_t>(ggml_type_of(t.dtype));
    out.put<uint64_t>(offset);
    offset += (sizes_[i] + alignment - 1) / alignment * alignment;
  }
  out.pad_to(alignment);
  return out.bytes;
}

std::vector<std::byte> GgufWriter::tensor_bytes(size_t i) const {
  if (!producers_[i]) return tensors_[i].bytes;
  std::vector<std::byte> bytes(sizes_[i]);
  producers_[i](bytes);
  return bytes;
}

std::vector<std::byte> GgufWriter::to_bytes() const {
  const uint32_t align = alignment();
  Buffer out;
  out.bytes = header_bytes(align);
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const std::vector<std::byte> bytes = tensor_bytes(i);
    out.put_raw(bytes.data(), bytes.size());
    out.pad_to(align);
  }
  return out.bytes;
}

void GgufWriter::write(const std::filesystem::path& path) const {
  const std::filesystem::path tmp = path.string() + ".tmp";
  const uint32_t align = alignment();
  try {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(fmt::format("{}: cannot open for writing", tmp.string()));
    auto put = [&](const std::byte* p, size_t n) {
      out.write(reinterpret_cast<const char*>(p), static_cast<std::streamsize>(n));
      if (!out) throw std::runtime_error(fmt::format("{}: write failed", tmp.string()));
    };
    const std::vector<std::byte> header = header_bytes(align);
    put(header.data(), header.size());
    const std::vector<std::byte> zeros(align);
    for (size_t i = 0; i < tensors_.size(); ++i) {
      if (producers_[i]) {
        const std::vector<std::byte> bytes = tensor_bytes(i);
        put(bytes.data(), bytes.size());
      } else {
        put(tensors_[i].bytes.data(), tensors_[i].bytes.size());
      }
      put(zeros.data(), (align - sizes_[i] % align) % align);
    }
    out.flush();
    if (!out) throw std::runtime_error(fmt::format("{}: write failed", tmp.string()));
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace boxed::inference::model
