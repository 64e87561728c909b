// The safetensors reader over tests/data/model/safetensors_cases.jsonl (valid headers and every
// kind of corruption, each expecting tensors or an error fragment), truncation of a real file at
// many points, the writer's round trip and the dtype conversions against values from the
// formats' definitions.
#include <cstring>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "inference/model/dtype.h"
#include "inference/model/safetensors.h"
#include "inference/model/safetensors_writer.h"
#include "tests/inference/model/scratch_dir.h"

namespace boxed::inference::model {
namespace {

std::vector<nlohmann::json> rows() {
  const char* root = std::getenv("BOXED_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/tests/data/model/safetensors_cases.jsonl");
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

std::string file_bytes(const nlohmann::json& row) {
  if (row.contains("file_bytes")) return std::string(row["file_bytes"].get<size_t>(), '\0');
  const std::string header = row["header"].is_string() ? row["header"].get<std::string>() : row["header"].dump();
  const uint64_t length = row.value("header_length", static_cast<uint64_t>(header.size()));
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  out += header;
  for (size_t i = 0; i < row["data_bytes"].get<size_t>(); ++i) out += static_cast<char>(i * 7 + 1);
  return out;
}

TEST(Safetensors, TableOfFiles) {
  const std::vector<nlohmann::json> table = rows();
  ASSERT_GE(table.size(), 15u);
  testing::ScratchDir dir("safetensors");
  for (const nlohmann::json& row : table) {
    const std::string note = row["note"];
    SCOPED_TRACE(note);
    const std::filesystem::path path = dir.path() / "case.safetensors";
    std::ofstream(path, std::ios::binary | std::ios::trunc) << file_bytes(row);
    if (row.contains("error")) {
      try {
        SafetensorsFile file(path);
        ADD_FAILURE() << "expected an error containing " << row["error"];
      } catch (const std::runtime_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(row["error"].get<std::string>()), std::string::npos)
            << "message: " << message;
        EXPECT_NE(message.find(path.string()), std::string::npos) << "message names no file: " << message;
      }
      continue;
    }
    SafetensorsFile file(path);
    EXPECT_EQ(file.tensors().size(), row["expect"].size());
    for (const auto& [name, want] : row["expect"].items()) {
      const TensorView* t = file.find(name);
      ASSERT_NE(t, nullptr) << name;
      EXPECT_EQ(dtype_name(t->dtype), want["dtype"].get<std::string>()) << name;
      EXPECT_EQ(t->shape, want["shape"].get<std::vector<int64_t>>()) << name;
    }
    const nlohmann::json unsupported = row.value("unsupported", nlohmann::json::object());
    for (const auto& [name, dtype] : unsupported.items()) {
      EXPECT_EQ(file.unsupported_dtype(name), dtype.get<std::string>());
    }
  }
}

std::vector<TensorData> sample_tensors() {
  std::vector<float> a(6), b(3), c(4);
  for (size_t i = 0; i < a.size(); ++i) a[i] = 0.5f * static_cast<float>(i) - 1.0f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = 1.0f / static_cast<float>(i + 3);
  for (size_t i = 0; i < c.size(); ++i) c[i] = static_cast<float>(i) * 0.25f;
  return {make_tensor("z.weight", DType::kBF16, {2, 3}, a), make_tensor("a.bias", DType::kF32, {3}, b),
          make_tensor("m.half", DType::kF16, {4}, c)};
}

TEST(Safetensors, WriterRoundTrip) {
  testing::ScratchDir dir("roundtrip");
  const auto tensors = sample_tensors();
  write_safetensors(dir.path() / "t.safetensors", tensors, {{"format", "pt"}});
  SafetensorsFile file(dir.path() / "t.safetensors");
  ASSERT_EQ(file.tensors().size(), 3u);
  for (const TensorData& want : tensors) {
    const TensorView* got = file.find(want.name);
    ASSERT_NE(got, nullptr) << want.name;
    EXPECT_EQ(got->dtype, want.dtype);
    EXPECT_EQ(got->shape, want.shape);
    ASSERT_EQ(got->size_bytes(), want.bytes.size());
    EXPECT_EQ(std::memcmp(got->data, want.bytes.data(), want.bytes.size()), 0) << want.name;
  }
  // The header is padded to 8 bytes and tensors are stored in name order (a.bias first).
  std::ifstream in(dir.path() / "t.safetensors", std::ios::binary);
  uint64_t header_length = 0;
  in.read(reinterpret_cast<char*>(&header_length), 8);
  EXPECT_EQ(header_length % 8, 0u);
  EXPECT_EQ(file.find("a.bias")->data, file.find("m.half")->data - 12);
  std::vector<float> values(3);
  convert_to_f32(DType::kF32, file.find("a.bias")->data, 3, values.data());
  EXPECT_EQ(values, (std::vector<float>{1.0f / 3, 1.0f / 4, 1.0f / 5}));
}

TEST(Safetensors, TruncatedAnywhereIsAnErrorNeverACrash) {
  testing::ScratchDir dir("truncate");
  write_safetensors(dir.path() / "full.safetensors", sample_tensors());
  std::ifstream in(dir.path() / "full.safetensors", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  int errors = 0;
  for (size_t keep = 0; keep < bytes.size(); ++keep) {
    const std::filesystem::path path = dir.path() / "cut.safetensors";
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, keep);
    try {
      SafetensorsFile file(path);
      ADD_FAILURE() << "a file cut to " << keep << " of " << bytes.size() << " bytes was accepted";
    } catch (const std::runtime_error& e) {
      ++errors;
      EXPECT_NE(std::string(e.what()).find("cut.safetensors"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(errors, static_cast<int>(bytes.size()));
}

TEST(Safetensors, MissingFileIsAnError) {
  try {
    SafetensorsFile file("/nonexistent/model.safetensors");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.safetensors: cannot open"), std::string::npos);
  }
}

// Bit patterns from the format definitions: bfloat16 is the top half of binary32; binary16 per
// IEEE 754-2008 (1 sign, 5 exponent bits with bias 15, 10 fraction bits).
TEST(DType, ConversionsMatchTheFormats) {
  struct Bf16 { uint16_t bits; float value; };
  for (const Bf16& c : {Bf16{0x3f80, 1.0f}, Bf16{0xc000, -2.0f}, Bf16{0x3e80, 0.25f},
                        Bf16{0x7f80, INFINITY}, Bf16{0x0000, 0.0f}, Bf16{0x4049, 3.140625f}}) {
    EXPECT_EQ(bf16_to_f32(c.bits), c.value) << std::hex << c.bits;
    EXPECT_EQ(f32_to_bf16(c.value), c.bits) << c.value;
  }
  // Round to nearest, ties to even: 1 + 2^-8 lies halfway between 1.0 (even) and 1 + 2^-7.
  EXPECT_EQ(f32_to_bf16(1.0f + 0x1p-8f), 0x3f80);
  EXPECT_EQ(f32_to_bf16(1.0f + 3 * 0x1p-8f), 0x3f82);  // halfway between 0x3f81 and 0x3f82 (even)
  EXPECT_EQ(f32_to_bf16(1.0f + 0x1p-8f + 0x1p-20f), 0x3f81);  // just above halfway
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(NAN))));

  struct F16 { uint16_t bits; float value; };
  for (const F16& c : {F16{0x3c00, 1.0f}, F16{0xc000, -2.0f}, F16{0x7bff, 65504.0f},
                       F16{0x0001, 0x1p-24f}, F16{0x0400, 0x1p-14f}, F16{0x03ff, 1023 * 0x1p-24f},
                       F16{0x3555, 0.333251953125f}, F16{0xfc00, -INFINITY}, F16{0x8000, -0.0f}}) {
    EXPECT_EQ(f16_to_f32(c.bits), c.value) << std::hex << c.bits;
    EXPECT_EQ(f32_to_f16(c.value), c.bits) << c.value;
  }
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);      // rounds up to infinity
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7bff);      // rounds down to the largest finite
  EXPECT_EQ(f32_to_f16(1.0f + 0x1p-11f), 0x3c00);  // halfway, ties to even
  EXPECT_EQ(f32_to_f16(0x1p-25f), 0x0000);      // halfway to the smallest subnormal: even (0)
  EXPECT_EQ(f32_to_f16(3 * 0x1p-25f), 0x0002);  // 1.5 subnormal steps: ties to even (2)
  EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(NAN))));
}

}  // namespace
}  // namespace boxed::inference::model
