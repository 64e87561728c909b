// GgufFile's typed metadata accessors (declared in gguf_file.h).
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "inference/model/gguf_file.h"

namespace boxed::inference::model {
namespace {

[[noreturn]] void wrong(const std::string& source, const std::string& key, std::string_view expected,
                        const std::string& found) {
  throw std::runtime_error(
      fmt::format("{}: metadata key '{}': expected {}, found {}", source, key, expected, found));
}

// The value of an integer-typed scalar as int64 (uint64 above INT64_MAX refused).
int64_t integer_of(const GgufValue& v, const std::string& source, const std::string& key,
                   std::string_view expected) {
  if (!gguf_type_is_integer(v.type)) wrong(source, key, expected, v.type_description());
  const bool is_signed = v.type == GgufType::kInt8 || v.type == GgufType::kInt16 ||
                         v.type == GgufType::kInt32 || v.type == GgufType::kInt64;
  if (is_signed) return v.sint;
  if (v.uint > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    wrong(source, key, expected, fmt::format("{} {}", v.type_description(), v.uint));
  }
  return static_cast<int64_t>(v.uint);
}

template <class T, class F>
std::optional<T> optional_of(const GgufFile& f, const std::string& key, F get) {
  if (f.find(key) == nullptr) return std::nullopt;
  return get(key);
}

}  // namespace

#define BOXED_GGUF_REQUIRE(key, expected)                                                   \
  const GgufValue* found = find(key);                                                       \
  if (found == nullptr) {                                                                   \
    throw std::runtime_error(                                                               \
        fmt::format("{}: metadata key '{}' is missing (expected {})", source_, key, expected)); \
  }                                                                                         \
  const GgufValue& v = *found

std::string GgufFile::get_string(const std::string& key) const {
  BOXED_GGUF_REQUIRE(key, "string");
  if (v.type != GgufType::kString) wrong(source_, key, "string", v.type_description());
  return v.string;
}

int64_t GgufFile::get_i64(const std::string& key) const {
  BOXED_GGUF_REQUIRE(key, "an integer");
  return integer_of(v, source_, key, "an integer");
}

uint32_t GgufFile::get_u32(const std::string& key) const {
  BOXED_GGUF_REQUIRE(key, "an unsigned 32-bit integer");
  const int64_t i = integer_of(v, source_, key, "an unsigned 32-bit integer");
  if (i < 0 || i > int64_t{std::numeric_limits<uint32_t>::max()}) {
    wrong(source_, key, "an unsigned 32-bit integer", fmt::format("{} {}", v.type_description(), i));
  }
  return static_cast<uint32_t>(i);
}

float GgufFile::get_f32(const std::string& key) const {
  BOXED_GGUF_REQUIRE(key, "float32");
  if (v.type != GgufType::kFloat32 && v.type != GgufType::kFloat64) {
    wrong(source_, key, "float32", v.type_description());
  }
  return static_cast<float>(v.real);
}

bool GgufFile::get_bool(const std::string& key) const {
  BOXED_GGUF_REQUIRE(key, "bool");
  if (v.type != GgufType::kBool) wrong(source_, key, "bool", v.type_description());
  return v.uint != 0;
}

std::vector<std::string> GgufFile::get_string_array(const std::string& key) const {
  BOXED_GGUF_REQUIRE(key, "array of string");
  if (v.type != GgufType::kArray || v.array_type != GgufType::kString) {
    wrong(source_, key, "array of string", v.type_description());
  }
  return v.array_strings;
}

std::vector<int32_t> GgufFile::get_i32_array(const std::string& key) const {
  BOXED_GGUF_REQUIRE(key, "array of int32");
  if (v.type != GgufType::kArray || !gguf_type_is_integer(v.array_type)) {
    wrong(source_, key, "array of int32", v.type_description());
  }
  std::vector<int32_t> out;
  out.reserve(v.array_size);
  for (uint64_t i = 0; i < v.array_size; ++i) {
    const GgufValue e = v.element(i);
    const std::string at = fmt::format("{}[{}]", key, i);
    const int64_t x = integer_of(e, source_, at, "an int32");
    if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max()) {
      wrong(source_, at, "an int32", fmt::format("{} {}", e.type_description(), x));
    }
    out.push_back(static_cast<int32_t>(x));
  }
  return out;
}

std::vector<float> GgufFile::get_f32_array(const std::string& key) const {
  BOXED_GGUF_REQUIRE(key, "array of float32");
  if (v.type != GgufType::kArray ||
      (v.array_type != GgufType::kFloat32 && v.array_type != GgufType::kFloat64)) {
    wrong(source_, key, "array of float32", v.type_description());
  }
  std::vector<float> out;
  out.reserve(v.array_size);
  for (uint64_t i = 0; i < v.array_size; ++i) out.push_back(static_cast<float>(v.element(i).real));
  return out;
}

#undef BOXED_GGUF_REQUIRE

std::optional<std::string> GgufFile::optional_string(const std::string& key) const {
  return optional_of<std::string>(*this, key, [&](const std::string& k) { return get_string(k); });
}
std::optional<uint32_t> GgufFile::optional_u32(const std::string& key) const {
  return optional_of<uint32_t>(*this, key, [&](const std::string& k) { return get_u32(k); });
}
std::optional<int64_t> GgufFile::optional_i64(const std::string& key) const {
  return optional_of<int64_t>(*this, key, [&](const std::string& k) { return get_i64(k); });
}
std::optional<float> GgufFile::optional_f32(const std::string& key) const {
  return optional_of<float>(*this, key, [&](const std::string& k) { return get_f32(k); });
}
std::optional<bool> GgufFile::optional_bool(const std::string& key) const {
  return optional_of<bool>(*this, key, [&](const std::string& k) { return get_bool(k); });
}
std::optional<std::vector<std::string>> GgufFile::optional_string_array(const std::string& key) const {
  return optional_of<std::vector<std::string>>(
      *this, key, [&](const std::string& k) { return get_string_array(k); });
}
std::optional<std::vector<int32_t>> GgufFile::optional_i32_array(const std::string& key) const {
  return optional_of<std::vector<int32_t>>(*this, key,
                                           [&](const std::string& k) { return get_i32_array(k); });
}
std::optional<std::vector<float>> GgufFile::optional_f32_array(const std::string& key) const {
  return optional_of<std::vector<float>>(*this, key,
                                         [&](const std::string& k) { return get_f32_array(k); });
}

std::string GgufFile::get_string_or(const std::string& key, std::string fallback) const {
  return optional_string(key).value_or(std::move(fallback));
}
uint32_t GgufFile::get_u32_or(const std::string& key, uint32_t fallback) const {
  return optional_u32(key).value_or(fallback);
}
int64_t GgufFile::get_i64_or(const std::string& key, int64_t fallback) const {
  return optional_i64(key).value_or(fallback);
}
float GgufFile::get_f32_or(const std::string& key, float fallback) const {
  return optional_f32(key).value_or(fallback);
}
bool GgufFile::get_bool_or(const std::string& key, bool fallback) const {
  return optional_bool(key).value_or(fallback);
}

}  // namespace boxed::inference::model
