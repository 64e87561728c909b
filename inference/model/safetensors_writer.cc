#include "inference/model/safetensors_writer.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace boxed::inference::model {

TensorData make_tensor(std::string name, DType dtype, std::vector<int64_t> shape,
                       std::span<const float> values) {
  TensorData t{.name = std::move(name), .dtype = dtype, .shape = std::move(shape)};
  t.bytes.resize(values.size() * dtype_size_bytes(dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DType::kF32) {
      std::memcpy(t.bytes.data() + 4 * i, &values[i], 4);
    } else {
      const uint16_t bits = dtype == DType::kBF16 ? f32_to_bf16(values[i]) : f32_to_f16(values[i]);
      std::memcpy(t.bytes.data() + 2 * i, &bits, 2);  // little-endian hosts only (x86-64, arm64)
    }
  }
  return t;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<TensorData>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<const TensorData*> order;
  for (const TensorData& t : tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(),
            [](const TensorData* a, const TensorData* b) { return a->name < b->name; });

  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const TensorData* t : order) {
    uint64_t numel = 1;
    for (int64_t d : t->shape) numel *= static_cast<uint64_t>(d);
    if (numel * dtype_size_bytes(t->dtype) != t->bytes.size()) {
      throw std::invalid_argument(fmt::format("tensor '{}': {} bytes for {} elements of {}", t->name,
                                              t->bytes.size(), numel, dtype_name(t->dtype)));
    }
    header[t->name] = {{"dtype", dtype_name(t->dtype)},
                       {"shape", t->shape},
                       {"data_offsets", {offset, offset + t->bytes.size()}}};
    offset += t->bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');

  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(fmt::format("{}: cannot open for writing", tmp.string()));
    const uint64_t n = text.size();
    char length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    out.write(length, 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const TensorData* t : order) {
      out.write(reinterpret_cast<const char*>(t->bytes.data()),
                static_cast<std::streamsize>(t->bytes.size()));
    }
    out.flush();
    if (!out) throw std::runtime_error(fmt::format("{}: write failed", tmp.string()));
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace boxed::inference::model
