#include "inference/model/awq.h"

#include <cctype>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace boxed::inference::model {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& field, const std::string& message) {
  throw std::runtime_error(fmt::format("{}: field 'quantization_config.{}': {}", source, field, message));
}

// The first of `names` present (AutoAWQ's own quant_config.json says "w_bit" / "q_group_size";
// the transformers form says "bits" / "group_size").
const json* field(const json& q, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (q.contains(name) && !q[name].is_null()) return &q[name];
  }
  return nullptr;
}

// Nibble shift of output column c within its int32: the inverse permutation of kAwqOrder
// (AWQ_REVERSE_ORDER = {0, 4, 1, 5, 2, 6, 3, 7} in awq/utils/packing_utils.py).
constexpr int kShift[8] = {0, 16, 4, 20, 8, 24, 12, 28};

void check_tensor(const TensorView& t, const std::string& where, const char* role,
                  const std::vector<int64_t>& shape, bool want_int) {
  const bool dtype_ok = want_int ? t.dtype == DType::kI32
                                 : (t.dtype == DType::kF16 || t.dtype == DType::kBF16 ||
                                    t.dtype == DType::kF32);
  if (!dtype_ok) {
    throw std::runtime_error(fmt::format("{}: AWQ tensor '{}' ({}): expected dtype {}, found {}", where,
                                         t.name, role, want_int ? "I32" : "F16", dtype_name(t.dtype)));
  }
  if (t.shape != shape) {
    throw std::runtime_error(fmt::format("{}: AWQ tensor '{}' ({}): expected shape [{}], found [{}]",
                                         where, t.name, role, fmt::join(shape, ", "),
                                         fmt::join(t.shape, ", ")));
  }
}

}  // namespace

AwqConfig parse_awq_config(const json& q, const std::string& source) {
  if (!q.is_object()) fail(source, "", fmt::format("expected an object, found {}", q.dump()));
  const json* method = field(q, {"quant_method"});
  const std::string method_name = method && method->is_string() ? method->get<std::string>() : "";
  if (method_name != "awq") {
    fail(source, "quant_method",
         fmt::format("'{}' is not supported (boxed loads AutoAWQ \"awq\" checkpoints of version "
                     "\"gemm\")", method ? (method->is_string() ? method_name : method->dump()) : "(absent)"));
  }
  AwqConfig c;
  if (const json* v = field(q, {"version"})) {
    if (!v->is_string()) fail(source, "version", fmt::format("expected a string, found {}", v->dump()));
    std::string version = v->get<std::string>();
    for (char& ch : version) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (version != "gemm") {
      // GEMV packs along the input dimension, Marlin / ExLlama / IPEX repack for their kernels.
      fail(source, "version",
           fmt::format("AWQ variant '{}' is not supported: boxed loads the \"gemm\" layout only",
                       v->get<std::string>()));
    }
    c.version = version;
  }
  if (const json* v = field(q, {"bits", "w_bit"})) {
    if (!v->is_number_integer() || v->get<int64_t>() != 4) {
      fail(source, "bits", fmt::format("only 4-bit AWQ is supported, found {}", v->dump()));
    }
  }
  if (const json* v = field(q, {"group_size", "q_group_size"})) {
    if (!v->is_number_integer() || v->get<int64_t>() <= 0 || v->get<int64_t>() > (1 << 20)) {
      fail(source, "group_size", fmt::format("expected a positive integer, found {}", v->dump()));
    }
    c.group_size = v->get<int>();
  }
  if (const json* v = field(q, {"zero_point"})) {
    if (!v->is_boolean()) fail(source, "zero_point", fmt::format("expected true or false, found {}", v->dump()));
    if (!v->get<bool>()) {
      fail(source, "zero_point", "symmetric AWQ (zero_point false) is not supported, found false");
    }
  }
  return c;
}

void validate_awq_linear(const AwqLinear& w, const std::string& where) {
  const int64_t g = w.group_size;
  if (w.out % 8 != 0) {
    throw std::runtime_error(fmt::format("{}: AWQ tensor '{}': {} output features is not a multiple of 8",
                                         where, w.qweight.name, w.out));
  }
  if (g <= 0 || w.in % g != 0) {
    throw std::runtime_error(fmt::format(
        "{}: AWQ tensor '{}': {} input features is not a multiple of group_size {}", where,
        w.qweight.name, w.in, g));
  }
  check_tensor(w.qweight, where, "qweight", {w.in, w.out / 8}, true);
  check_tensor(w.qzeros, where, "qzeros", {w.in / g, w.out / 8}, true);
  check_tensor(w.scales, where, "scales", {w.in / g, w.out}, false);
}

void awq_dequantize_rows(const AwqLinear& w, int64_t row0, int rows, float* dst) {
  if (row0 % 8 != 0 || rows % 8 != 0 || row0 + rows > w.out) {
    throw std::logic_error(fmt::format("awq_dequantize_rows: rows [{}, {}) of {} not in whole words",
                                       row0, row0 + rows, w.out));
  }
  const int64_t in = w.in;
  const int64_t words_per_row = w.out / 8;
  const int64_t word0 = row0 / 8;
  const int words = rows / 8;
  const size_t scale_bytes = dtype_size_bytes(w.scales.dtype);
  std::vector<float> s(static_cast<size_t>(rows));
  std::vector<float> zero(static_cast<size_t>(rows));
  const auto word_at = [](const std::byte* base, int64_t index) {
    uint32_t v;
    std::memcpy(&v, base + 4 * index, 4);
    return v;
  };
  for (int64_t k = 0; k < in; ++k) {
    if (k % w.group_size == 0) {
      const int64_t group = k / w.group_size;
      convert_to_f32(w.scales.dtype, w.scales.data + (group * w.out + row0) * scale_bytes, rows, s.data());
      for (int c = 0; c < words; ++c) {
        const uint32_t packed = word_at(w.qzeros.data, group * words_per_row + word0 + c);
        for (int j = 0; j < 8; ++j) zero[8 * c + j] = static_cast<float>((packed >> kShift[j]) & 15u);
      }
    }
    for (int c = 0; c < words; ++c) {
      const uint32_t packed = word_at(w.qweight.data, k * words_per_row + word0 + c);
      for (int j = 0; j < 8; ++j) {
        const int r = 8 * c + j;
        const float q = static_cast<float>((packed >> kShift[j]) & 15u);
        dst[static_cast<size_t>(r) * in + k] = (q - zero[r]) * s[r];  // exact: see awq.h
      }
    }
  }
}

}  // namespace boxed::inference::model
