// The dequantisation goldens (tests/data/golden/dequant/<TYPE>.json, written by
// tools/gguf/make_dequant_golden.py from the gguf package) as C++ values, for the block-decoder
// tests and the quantized matmul tests.
//
//   DequantGolden g = load_dequant_golden("Q4_K");
//   for (const DequantCase& c : g.cases) { c.blocks; c.values; }   // raw bytes, package's floats
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inference/model/dtype.h"

namespace boxed::inference::model::testing {

struct DequantCase {
  std::string source;
  std::vector<std::byte> blocks;
  std::vector<float> values;  // the package's float32 values, bit for bit
};

struct WholeTensor {
  std::string file, tensor;
  int64_t rows = 0, cols = 0;
  uint64_t data_offset = 0, n_bytes = 0;
  std::string raw_sha256, f32_sha256;
};

struct DequantGolden {
  DType dtype = DType::kF32;
  std::vector<DequantCase> cases;
  std::vector<WholeTensor> whole_tensors;
};

inline const char* kDequantTypes[] = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
                                      "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"};

inline std::filesystem::path source_dir() {
  const char* dir = std::getenv("BOXED_SOURCE_DIR");
  return dir ? std::filesystem::path(dir) : std::filesystem::path(BOXED_SOURCE_DIR_PATH);
}

// Where ../shared/models/fetch.sh puts the real GGUF files: $BOXED_MODELS_DIR, else
// ~/.cache/boxed-models (fetch.sh's default).
inline std::filesystem::path models_dir() {
  if (const char* dir = std::getenv("BOXED_MODELS_DIR")) return dir;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : "/root") / ".cache" / "boxed-models";
}

inline std::vector<std::byte> from_hex(const std::string& hex) {
  if (hex.size() % 2 != 0) throw std::runtime_error("odd-length hex string in a dequant golden");
  const auto nibble = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw std::runtime_error(std::string("bad hex digit in a dequant golden: ") + c);
  };
  std::vector<std::byte> out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::byte>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
  }
  return out;
}

inline DequantGolden load_dequant_golden(const std::string& type_name) {
  const auto path = source_dir() / "tests" / "data" / "golden" / "dequant" / (type_name + ".json");
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  const nlohmann::json j = nlohmann::json::parse(in);
  DequantGolden g;
  const auto dtype = dtype_from_name(j.at("type").get<std::string>());
  if (!dtype) throw std::runtime_error(path.string() + ": unknown type");
  g.dtype = *dtype;
  for (const auto& c : j.at("cases")) {
    DequantCase dc;
    dc.source = c.at("source").get<std::string>();
    dc.blocks = from_hex(c.at("blocks_hex").get<std::string>());
    const std::vector<std::byte> f32 = from_hex(c.at("f32_hex").get<std::string>());
    dc.values.resize(f32.size() / 4);
    std::memcpy(dc.values.data(), f32.data(), f32.size());  // little endian, as on x86/arm64
    g.cases.push_back(std::move(dc));
  }
  for (const auto& w : j.at("whole_tensors")) {
    g.whole_tensors.push_back(WholeTensor{
        .file = w.at("file"), .tensor = w.at("tensor"),
        .rows = w.at("shape")[0], .cols = w.at("shape")[1],
        .data_offset = w.at("data_offset"), .n_bytes = w.at("n_bytes"),
        .raw_sha256 = w.at("raw_sha256"), .f32_sha256 = w.at("f32_sha256")});
  }
  return g;
}

}  // namespace boxed::inference::model::testing
