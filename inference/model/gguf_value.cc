// GgufValue builders and the GGUF/GGML type names (the value half of gguf_file.h).
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "inference/model/gguf_file.h"

namespace boxed::inference::model {

std::string_view gguf_type_name(GgufType type) {
  switch (type) {
    case GgufType::kUint8: return "uint8";
    case GgufType::kInt8: return "int8";
    case GgufType::kUint16: return "uint16";
    case GgufType::kInt16: return "int16";
    case GgufType::kUint32: return "uint32";
    case GgufType::kInt32: return "int32";
    case GgufType::kFloat32: return "float32";
    case GgufType::kBool: return "bool";
    case GgufType::kString: return "string";
    case GgufType::kArray: return "array";
    case GgufType::kUint64: return "uint64";
    case GgufType::kInt64: return "int64";
    case GgufType::kFloat64: return "float64";
  }
  return "unknown";
}

bool gguf_type_is_integer(GgufType type) {
  switch (type) {
    case GgufType::kUint8: case GgufType::kInt8: case GgufType::kUint16: case GgufType::kInt16:
    case GgufType::kUint32: case GgufType::kInt32: case GgufType::kUint64: case GgufType::kInt64:
      return true;
    default:
      return false;
  }
}

size_t gguf_type_size(GgufType type) {
  switch (type) {
    case GgufType::kUint8: case GgufType::kInt8: case GgufType::kBool: return 1;
    case GgufType::kUint16: case GgufType::kInt16: return 2;
    case GgufType::kUint32: case GgufType::kInt32: case GgufType::kFloat32: return 4;
    case GgufType::kUint64: case GgufType::kInt64: case GgufType::kFloat64: return 8;
    default: return 0;
  }
}

// ggml.h `enum ggml_type` (ids 4, 5 and 31..33, 36..38 were removed from GGML and stay unnamed).
std::string_view ggml_type_name(uint32_t ggml_type) {
  static constexpr const char* kNames[] = {
      "F32", "F16", "Q4_0", "Q4_1", "", "", "Q5_0", "Q5_1", "Q8_0", "Q8_1",
      "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",
      "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M",
      "BF16", "", "", "", "TQ1_0", "TQ2_0", "", "", "", "MXFP4"};
  return ggml_type < std::size(kNames) ? kNames[ggml_type] : "";
}

std::string GgufValue::type_description() const {
  if (type != GgufType::kArray) return std::string(gguf_type_name(type));
  if (array_type != GgufType::kArray) return fmt::format("array of {}", gguf_type_name(array_type));
  // Nested: describe by the first inner array (GGUF does not require the inner types to agree).
  if (array_arrays.empty()) return "array of array";
  return "array of " + array_arrays.front().type_description();
}

GgufValue GgufValue::element(size_t i) const {
  const size_t size = gguf_type_size(array_type);
  if (type != GgufType::kArray || size == 0 || i >= array_size) {
    throw std::out_of_range(fmt::format("GgufValue::element({}) of {} with {} elements", i,
                                        type_description(), array_size));
  }
  const std::byte* p = array_raw.data() + i * size;
  uint64_t bits = 0;
  std::memcpy(&bits, p, size);  // little-endian host (checked in gguf_file.cc)
  switch (array_type) {
    case GgufType::kFloat32: {
      float f;
      std::memcpy(&f, p, 4);
      return of_float(array_type, f);
    }
    case GgufType::kFloat64: {
      double d;
      std::memcpy(&d, p, 8);
      return of_float(array_type, d);
    }
    case GgufType::kBool: return of_bool(bits != 0);
    case GgufType::kInt8: return of_int(array_type, static_cast<int8_t>(bits));
    case GgufType::kInt16: return of_int(array_type, static_cast<int16_t>(bits));
    case GgufType::kInt32: return of_int(array_type, static_cast<int32_t>(bits));
    case GgufType::kInt64: return of_int(array_type, static_cast<int64_t>(bits));
    default: return of_uint(array_type, bits);
  }
}

GgufValue GgufValue::of_uint(GgufType type, uint64_t value) {
  GgufValue v;
  v.type = type;
  v.uint = value;
  return v;
}

GgufValue GgufValue::of_int(GgufType type, int64_t value) {
  GgufValue v;
  v.type = type;
  v.sint = value;
  return v;
}

GgufValue GgufValue::of_float(GgufType type, double value) {
  GgufValue v;
  v.type = type;
  v.real = value;
  return v;
}

GgufValue GgufValue::of_bool(bool value) { return of_uint(GgufType::kBool, value ? 1 : 0); }

GgufValue GgufValue::of_string(std::string value) {
  GgufValue v;
  v.type = GgufType::kString;
  v.string = std::move(value);
  return v;
}

GgufValue GgufValue::of_string_array(const std::vector<std::string>& values) {
  GgufValue v;
  v.type = GgufType::kArray;
  v.array_type = GgufType::kString;
  v.array_size = values.size();
  v.array_strings = values;
  return v;
}

namespace {

// An array of 4-byte little-endian numbers, stored as the raw bytes the file holds.
GgufValue four_byte_array(GgufType element_type, const void* values, size_t n) {
  GgufValue v;
  v.type = GgufType::kArray;
  v.array_type = element_type;
  v.array_size = n;
  v.array_raw.resize(n * 4);
  if (n != 0) std::memcpy(v.array_raw.data(), values, v.array_raw.size());
  return v;
}

}  // namespace

GgufValue GgufValue::of_i32_array(const std::vector<int32_t>& values) {
  return four_byte_array(GgufType::kInt32, values.data(), values.size());
}

GgufValue GgufValue::of_f32_array(const std::vector<float>& values) {
  return four_byte_array(GgufType::kFloat32, values.data(), values.size());
}

GgufValue GgufValue::of_array(GgufType element_type, const std::vector<GgufValue>& elements) {
  GgufValue v;
  v.type = GgufType::kArray;
  v.array_type = element_type;
  v.array_size = elements.size();
  const size_t size = gguf_type_size(element_type);
  for (const GgufValue& e : elements) {
    if (e.type != element_type) {
      throw std::invalid_argument(fmt::format("GgufValue::of_array: element of type {} in an array of {}",
                                              e.type_description(), gguf_type_name(element_type)));
    }
    if (element_type == GgufType::kArray) {
      v.array_arrays.push_back(e);
    } else if (element_type == GgufType::kString) {
      v.array_strings.push_back(e.string);
    } else {
      std::byte buffer[8];
      if (element_type == GgufType::kFloat32) {
        const float f = static_cast<float>(e.real);
        std::memcpy(buffer, &f, 4);
      } else if (element_type == GgufType::kFloat64) {
        std::memcpy(buffer, &e.real, 8);
      } else if (element_type == GgufType::kInt8 || element_type == GgufType::kInt16 ||
                 element_type == GgufType::kInt32 || element_type == GgufType::kInt64) {
        std::memcpy(buffer, &e.sint, 8);  // two's complement: the low bytes are the value
      } else {
        std::memcpy(buffer, &e.uint, 8);
      }
      v.array_raw.insert(v.array_raw.end(), buffer, buffer + size);
    }
  }
  return v;
}

}  // namespace boxed::inference::model
