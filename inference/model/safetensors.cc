#include "inference/model/safetensors.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace boxed::inference::model {
namespace {

// safetensors README: "8 bytes: N, an unsigned little-endian 64-bit integer" then N bytes of
// JSON. The reference implementation caps the header at 100 MB; so do we.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

uint64_t read_u64_le(const std::byte* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(p[i]);
  return value;
}

}  // namespace

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : file_(std::make_unique<MappedFile>(path)) {
  const std::string where = path.string();
  const std::span<const std::byte> bytes = file_->bytes();
  if (bytes.size() < 8) {
    throw std::runtime_error(fmt::format(
        "{}: truncated safetensors file: expected at least 8 bytes of header length, found {}",
        where, bytes.size()));
  }
  const uint64_t header_bytes = read_u64_le(bytes.data());
  if (header_bytes > kMaxHeaderBytes || header_bytes > bytes.size() - 8) {
    throw std::runtime_error(fmt::format(
        "{}: corrupt or truncated safetensors file: header length {} but only {} bytes follow",
        where, header_bytes, bytes.size() - 8));
  }
  const auto* header_begin = reinterpret_cast<const char*>(bytes.data() + 8);
  const nlohmann::json header =
      nlohmann::json::parse(header_begin, header_begin + header_bytes, nullptr, false);
  if (header.is_discarded() || !header.is_object()) {
    throw std::runtime_error(
        fmt::format("{}: corrupt safetensors header: not a JSON object", where));
  }
  const std::byte* data_begin = bytes.data() + 8 + header_bytes;
  const uint64_t data_bytes = bytes.size() - 8 - header_bytes;

  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string at = fmt::format("{}: tensor '{}'", where, name);
    if (!entry.is_object() || !entry.contains("dtype") || !entry["dtype"].is_string() ||
        !entry.contains("shape") || !entry["shape"].is_array() ||
        !entry.contains("data_offsets") || !entry["data_offsets"].is_array() ||
        entry["data_offsets"].size() != 2) {
      throw std::runtime_error(fmt::format(
          "{}: expected {{\"dtype\": string, \"shape\": [...], \"data_offsets\": [begin, end]}}, "
          "found {}", at, entry.dump()));
    }
    std::vector<int64_t> shape;
    uint64_t numel = 1;
    for (const auto& dim : entry["shape"]) {
      if (!dim.is_number_unsigned() || dim.get<uint64_t>() > (uint64_t{1} << 40)) {
        throw std::runtime_error(fmt::format("{}: invalid shape {}", at, entry["shape"].dump()));
      }
      shape.push_back(dim.get<int64_t>());
      const uint64_t d = dim.get<uint64_t>();
      if (d != 0 && numel > (uint64_t{1} << 48) / d) {
        throw std::runtime_error(fmt::format("{}: shape {} too large", at, entry["shape"].dump()));
      }
      numel *= d;
    }
    const auto& offsets = entry["data_offsets"];
    if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned()) {
      throw std::runtime_error(fmt::format("{}: invalid data_offsets {}", at, offsets.dump()));
    }
    const uint64_t begin = offsets[0].get<uint64_t>();
    const uint64_t end = offsets[1].get<uint64_t>();
    if (begin > end || end > data_bytes) {
      throw std::runtime_error(fmt::format(
          "{}: data_offsets [{}, {}] outside the {} data bytes of the file (truncated?)", at,
          begin, end, data_bytes));
    }
    const std::string dtype_text = entry["dtype"].get<std::string>();
    const std::optional<DType> dtype = dtype_from_name(dtype_text);
    if (!dtype || dtype_is_quantized(*dtype)) {  // GGML block types live in GGUF files only
      unsupported_[name] = dtype_text;
      ranges.emplace_back(begin, end);
      continue;
    }
    const uint64_t expected = numel * dtype_size_bytes(*dtype);
    if (end - begin != expected) {
      throw std::runtime_error(fmt::format(
          "{}: {} x {} needs {} bytes, data_offsets [{}, {}] hold {}", at, dtype_text,
          entry["shape"].dump(), expected, begin, end, end - begin));
    }
    ranges.emplace_back(begin, end);
    tensors_[name] = TensorView{.name = name, .dtype = *dtype, .shape = std::move(shape),
                                .data = data_begin + begin};
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second) {
      throw std::runtime_error(fmt::format(
          "{}: corrupt safetensors header: tensor data ranges [{}, {}] and [{}, {}] overlap", where,
          ranges[i - 1].first, ranges[i - 1].second, ranges[i].first, ranges[i].second));
    }
  }
}

const TensorView* SafetensorsFile::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

std::string SafetensorsFile::unsupported_dtype(const std::string& name) const {
  auto it = unsupported_.find(name);
  return it == unsupported_.end() ? "" : it->second;
}

}  // namespace boxed::inference::model
