// GgufFile and GgufWriter: round trips of every value type and of tensors, the typed accessors'
// errors, a table of malformed files (each expecting an error fragment), truncation at every byte,
// and byte-for-byte agreement with the `gguf` Python package's writer
// (tests/data/model/gguf/python_writer.gguf, from tools/golden/make_gguf_fixture.py).
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <span>

#include <gtest/gtest.h>

#include "inference/model/gguf_file.h"
#include "inference/model/gguf_writer.h"
#include "tests/inference/model/scratch_dir.h"

namespace boxed::inference::model {
namespace {

std::filesystem::path source_dir() {
  const char* root = std::getenv("BOXED_SOURCE_DIR");
  return root ? root : BOXED_SOURCE_DIR_PATH;
}

std::vector<std::byte> f32_bytes(const std::vector<float>& values) {
  std::vector<std::byte> out(values.size() * 4);
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// Raw little-endian bytes for hand-made (malformed) files.
struct Raw {
  std::vector<std::byte> bytes;
  Raw& u32(uint32_t v) { return put(&v, 4); }
  Raw& u64(uint64_t v) { return put(&v, 8); }
  Raw& u8(uint8_t v) { return put(&v, 1); }
  Raw& str(const std::string& s) {
    u64(s.size());
    return put(s.data(), s.size());
  }
  Raw& put(const void* p, size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    bytes.insert(bytes.end(), b, b + n);
    return *this;
  }
  Raw& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    return put("GGUF", 4).u32(version).u64(n_tensors).u64(n_kv);
  }
  Raw& pad(size_t alignment = 32) {
    bytes.resize((bytes.size() + alignment - 1) / alignment * alignment);
    return *this;
  }
  // A tensor info: name, dims (GGUF order), ggml type, offset.
  Raw& tensor(const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(ne.size()));
    for (uint64_t d : ne) u64(d);
    return u32(type).u64(offset);
  }
};

std::string error_of(const std::vector<std::byte>& bytes,
                     GgufFile::Mode mode = GgufFile::Mode::kWithTensorData) {
  try {
    GgufFile::parse(bytes, "case.gguf", mode);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

GgufWriter every_type_writer() {
  GgufWriter w;
  w.set("general.architecture", GgufValue::of_string("llama"));
  w.set("t.u8", GgufValue::of_uint(GgufType::kUint8, 200));
  w.set("t.i8", GgufValue::of_int(GgufType::kInt8, -100));
  w.set("t.u16", GgufValue::of_uint(GgufType::kUint16, 60000));
  w.set("t.i16", GgufValue::of_int(GgufType::kInt16, -30000));
  w.set("t.u32", GgufValue::of_u32(4000000000u));
  w.set("t.i32", GgufValue::of_int(GgufType::kInt32, -2000000000));
  w.set("t.f32", GgufValue::of_f32(0.15625f));
  w.set("t.u64", GgufValue::of_uint(GgufType::kUint64, 18000000000000000000ull));
  w.set("t.i64", GgufValue::of_int(GgufType::kInt64, -9000000000000000000ll));
  w.set("t.f64", GgufValue::of_float(GgufType::kFloat64, -2.5e-300));
  w.set("t.bool", GgufValue::of_bool(true));
  w.set("t.str", GgufValue::of_string("h\xc3\xa9llo\nw\xc3\xb6rld"));
  w.set("t.arr_str", GgufValue::of_string_array({"a", "", "\xc3\xa7"}));
  w.set("t.arr_i32", GgufValue::of_i32_array({1, -2, 2147483647}));
  w.set("t.arr_f32", GgufValue::of_f32_array({0.5f, -1.25f}));
  w.set("t.arr_bool", GgufValue::of_array(GgufType::kBool, {GgufValue::of_bool(true),
                                                            GgufValue::of_bool(false)}));
  w.set("t.arr_nested", GgufValue::of_array(GgufType::kArray, {GgufValue::of_i32_array({1, 2}),
                                                               GgufValue::of_i32_array({3})}));
  std::vector<float> f32(12);
  for (int i = 0; i < 12; ++i) f32[i] = i / 8.0f;
  w.add_tensor("w.f32", DType::kF32, {3, 4}, f32_bytes(f32));
  std::vector<std::byte> f16(64 * 2);
  for (int i = 0; i < 64; ++i) {
    const uint16_t bits = f32_to_f16((i - 32) / 4.0f);
    std::memcpy(f16.data() + 2 * i, &bits, 2);
  }
  w.add_tensor("w.f16", DType::kF16, {2, 32}, f16);
  const uint16_t bf16[4] = {0x3f80, 0xc000, 0x0000, 0x7f80};
  std::vector<std::byte> bf16_bytes(8);
  std::memcpy(bf16_bytes.data(), bf16, 8);
  w.add_tensor("w.bf16", DType::kBF16, {1, 4}, bf16_bytes);
  return w;
}

void expect_every_type(const GgufFile& f) {
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.get_i64("t.u8"), 200);
  EXPECT_EQ(f.get_i64("t.i8"), -100);
  EXPECT_EQ(f.get_u32("t.u16"), 60000u);
  EXPECT_EQ(f.get_i64("t.i16"), -30000);
  EXPECT_EQ(f.get_u32("t.u32"), 4000000000u);
  EXPECT_EQ(f.get_i64("t.i32"), -2000000000);
  EXPECT_EQ(f.get_f32("t.f32"), 0.15625f);
  EXPECT_EQ(f.find("t.u64")->uint, 18000000000000000000ull);
  EXPECT_EQ(f.get_i64("t.i64"), -9000000000000000000ll);
  EXPECT_EQ(f.find("t.f64")->real, -2.5e-300);
  EXPECT_TRUE(f.get_bool("t.bool"));
  EXPECT_EQ(f.get_string("t.str"), "h\xc3\xa9llo\nw\xc3\xb6rld");
  EXPECT_EQ(f.get_string_array("t.arr_str"), (std::vector<std::string>{"a", "", "\xc3\xa7"}));
  EXPECT_EQ(f.get_i32_array("t.arr_i32"), (std::vector<int32_t>{1, -2, 2147483647}));
  EXPECT_EQ(f.get_f32_array("t.arr_f32"), (std::vector<float>{0.5f, -1.25f}));
  const GgufValue* bools = f.find("t.arr_bool");
  ASSERT_NE(bools, nullptr);
  EXPECT_EQ(bools->type_description(), "array of bool");
  EXPECT_EQ(bools->element(0).uint, 1u);
  EXPECT_EQ(bools->element(1).uint, 0u);
  const GgufValue* nested = f.find("t.arr_nested");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->type_description(), "array of array of int32");
  ASSERT_EQ(nested->array_arrays.size(), 2u);
  EXPECT_EQ(nested->array_arrays[0].element(1).sint, 2);
  EXPECT_EQ(nested->array_arrays[1].element(0).sint, 3);

  ASSERT_EQ(f.tensors().size(), 3u);
  const GgufTensorInfo& t = f.tensors()[0];
  EXPECT_EQ(t.name, "w.f32");
  EXPECT_EQ(t.ne, (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(t.shape, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(t.bytes, 48u);
  const TensorView v = f.tensor_view("w.f32");
  EXPECT_EQ(v.shape, (std::vector<int64_t>{3, 4}));
  float x;
  std::memcpy(&x, v.row(2) + 4 * 3, 4);
  EXPECT_EQ(x, 11 / 8.0f);
  const TensorView h = f.tensor_view("w.f16");
  EXPECT_EQ(h.dtype, DType::kF16);
  std::vector<float> row(32);
  convert_to_f32(DType::kF16, h.row(1), 32, row.data());
  EXPECT_EQ(row[31], 31 / 4.0f);
  const TensorView b = f.tensor_view("w.bf16");
  EXPECT_EQ(b.dtype, DType::kBF16);
  convert_to_f32(DType::kBF16, b.data, 4, row.data());
  EXPECT_EQ(row[1], -2.0f);
  EXPECT_TRUE(std::isinf(row[3]));
}

TEST(GgufFile, RoundTripEveryValueTypeVersions2And3) {
  for (uint32_t version : {2u, 3u}) {
    // Versions 2 and 3 share the layout: only the version field differs.
    std::vector<std::byte> bytes = every_type_writer().to_bytes();
    std::memcpy(bytes.data() + 4, &version, 4);
    const GgufFile f = GgufFile::parse(bytes, "roundtrip.gguf");
    EXPECT_EQ(f.version(), version);
    EXPECT_EQ(f.alignment(), 32u);
    EXPECT_EQ(f.data_offset() % 32, 0u);
    expect_every_type(f);
  }
}

TEST(GgufFile, WriterHonoursAlignmentAndWritesFiles) {
  GgufWriter w = every_type_writer();
  w.set("general.alignment", GgufValue::of_u32(64));
  testing::ScratchDir dir("gguf_align");
  w.write(dir.path() / "a.gguf");
  const GgufFile f = GgufFile::open(dir.path() / "a.gguf");
  EXPECT_EQ(f.alignment(), 64u);
  EXPECT_EQ(f.data_offset() % 64, 0u);
  for (const GgufTensorInfo& t : f.tensors()) EXPECT_EQ(t.offset % 64, 0u) << t.name;
  expect_every_type(f);
  EXPECT_EQ(f.source(), (dir.path() / "a.gguf").string());
}

// The reference writer (gguf-py) and ours, given the same content, write the same bytes; and
// ours reads the reference file.
TEST(GgufFile, PythonWriterGolden) {
  const std::filesystem::path golden = source_dir() / "tests/data/model/gguf/python_writer.gguf";
  const GgufFile f = GgufFile::open(golden);
  expect_every_type(f);
  std::ifstream in(golden, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> expected(chars.size());
  std::memcpy(expected.data(), chars.data(), chars.size());
  const std::vector<std::byte> ours = every_type_writer().to_bytes();
  ASSERT_EQ(ours.size(), expected.size());
  for (size_t i = 0; i < ours.size(); ++i) ASSERT_EQ(ours[i], expected[i]) << "first difference at byte " << i;
}

TEST(GgufFile, AccessorErrorsNameFileKeyExpectedAndFound) {
  const std::vector<std::byte> bytes = every_type_writer().to_bytes();
  const GgufFile f = GgufFile::parse(bytes, "acc.gguf");
  const auto message = [](const std::function<void()>& call) -> std::string {
    try {
      call();
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(message([&] { f.get_string("t.u32"); }),
            "acc.gguf: metadata key 't.u32': expected string, found uint32");
  EXPECT_EQ(message([&] { f.get_u32("nope"); }),
            "acc.gguf: metadata key 'nope' is missing (expected an unsigned 32-bit integer)");
  EXPECT_EQ(message([&] { f.get_u32("t.i8"); }),
            "acc.gguf: metadata key 't.i8': expected an unsigned 32-bit integer, found int8 -100");
  EXPECT_EQ(message([&] { f.get_i64("t.u64"); }),
            "acc.gguf: metadata key 't.u64': expected an integer, found uint64 18000000000000000000");
  EXPECT_EQ(message([&] { f.get_f32_array("t.arr_str"); }),
            "acc.gguf: metadata key 't.arr_str': expected array of float32, found array of string");
  EXPECT_EQ(message([&] { f.get_bool("t.str"); }),
            "acc.gguf: metadata key 't.str': expected bool, found string");
  EXPECT_NE(message([&] { f.tensor_view("nope"); }).find("no tensor 'nope'"), std::string::npos);
  EXPECT_EQ(f.optional_u32("nope"), std::nullopt);
  EXPECT_EQ(f.optional_string_array("nope"), std::nullopt);
  EXPECT_EQ(f.optional_i32_array("t.arr_i32")->size(), 3u);
  EXPECT_EQ(f.get_u32_or("nope", 7), 7u);
  EXPECT_EQ(f.get_f32_or("t.f32", 7), 0.15625f);
  EXPECT_EQ(f.get_string_or("nope", "x"), "x");
  EXPECT_EQ(f.get_i64_or("t.i16", 0), -30000);
  EXPECT_TRUE(f.get_bool_or("nope", true));
  // Wrong type is an error even through the optional variant.
  EXPECT_NE(message([&] { f.optional_f32("t.str"); }).find("expected float32"), std::string::npos);
}

struct Case {
  const char* note;
  std::vector<std::byte> bytes;
  const char* error;  // fragment of the expected message
};

std::vector<Case> malformed_cases() {
  std::vector<Case> cases;
  cases.push_back({"bad magic", Raw().put("GGML", 4).u32(3).u64(0).u64(0).bytes,
                   "expected magic \"GGUF\" (47475546) at byte offset 0, found 47474d4c"});
  cases.push_back({"version 1", Raw().header(0, 0, 1).bytes, "expected 2 or 3, found 1"});
  cases.push_back({"big-endian version", Raw().header(0, 0, 0x03000000).bytes, "big-endian"});
  cases.push_back({"empty file", {}, "needs 4 bytes at byte offset 0, but the file ends 0 bytes later"});
  cases.push_back({"key length past the end", Raw().header(0, 1).u64(1000).put("abcdefghijklmnopqrst", 20).bytes,
                   "string of 1000 bytes at byte offset 24 runs past the end of the file (20 bytes remain"});
  cases.push_back({"absurd metadata count", Raw().header(0, uint64_t{1} << 60).bytes,
                   "metadata count 1152921504606846976 cannot fit"});
  cases.push_back({"absurd tensor count", Raw().header(uint64_t{1} << 62, 0).bytes,
                   "tensor count 4611686018427387904 cannot fit"});
  cases.push_back({"absurd array count",
                   Raw().header(0, 1).str("k").u32(9).u32(6).u64(uint64_t{1} << 61).u32(0).bytes,
                   "metadata key 'k': array of 2305843009213693952 float32 elements"});
  cases.push_back({"string in array past the end",
                   Raw().header(0, 1).str("k").u32(9).u32(8).u64(2).str("ok").u64(99).bytes,
                   "metadata key 'k'[1]: string of 99 bytes"});
  cases.push_back({"unknown value type", Raw().header(0, 1).str("k").u32(13).u32(0).bytes,
                   "metadata key 'k': unknown value type 13 at byte offset 33"});
  cases.push_back({"bad bool", Raw().header(0, 1).str("k").u32(7).u8(2).bytes,
                   "metadata key 'k': expected a bool (0 or 1) at byte offset 37, found 2"});
  cases.push_back({"duplicate key",
                   Raw().header(0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(2).bytes,
                   "metadata key 'k': duplicate key (again at byte offset 41)"});
  Raw deep = Raw().header(0, 1).str("k").u32(9);
  for (int i = 0; i < 10; ++i) deep.u32(9).u64(1);
  cases.push_back({"arrays nested too deep", deep.bytes, "arrays nested deeper than 8 levels"});
  cases.push_back({"alignment not a power of two",
                   Raw().header(0, 1).str("general.alignment").u32(4).u32(24).bytes,
                   "metadata key 'general.alignment': expected a power of two, found 24"});
  cases.push_back({"alignment of the wrong type",
                   Raw().header(0, 1).str("general.alignment").u32(10).u64(32).bytes,
                   "metadata key 'general.alignment': expected uint32, found uint64"});
  cases.push_back({"unsupported tensor type by name",
                   Raw().header(1, 0).tensor("blk.0.attn_q.weight", {256, 2}, 16, 0).pad().bytes,
                   "tensor 'blk.0.attn_q.weight': tensor type IQ2_XXS (id 16) at byte offset 71 is not supported"});
  cases.push_back({"tensor type unknown to GGML",
                   Raw().header(1, 0).tensor("t", {4}, 99, 0).bytes, "type id 99 (unknown to GGML)"});
  cases.push_back({"five dimensions",
                   Raw().header(1, 0).tensor("t", {1, 1, 1, 1, 1}, 0, 0).bytes,
                   "tensor 't': expected 1 to 4 dimensions at byte offset 33, found 5"});
  cases.push_back({"row not whole blocks", Raw().header(1, 0).tensor("t", {20, 2}, 2, 0).bytes,
                   "tensor 't': Q4_0 stores blocks of 32 elements, but the row length (ne[0]) is 20"});
  cases.push_back({"misaligned offset", Raw().header(1, 0).tensor("t", {4}, 0, 16).bytes,
                   "tensor 't': data offset 16 (stored at byte offset 49) is not a multiple of the alignment 32"});
  Raw dup = Raw().header(2, 0).tensor("t", {4}, 0, 0).tensor("t", {4}, 0, 32).pad();
  dup.bytes.resize(dup.bytes.size() + 64);
  cases.push_back({"duplicate tensor", dup.bytes, "tensor 't': duplicate tensor name"});
  Raw overlap = Raw().header(2, 0).tensor("a", {16}, 0, 0).tensor("b", {4}, 0, 32).pad();
  overlap.bytes.resize(overlap.bytes.size() + 64);
  cases.push_back({"overlapping tensors", overlap.bytes,
                   "tensor 'b': data [32, 48) overlaps tensor 'a' at [0, 64)"});
  Raw past = Raw().header(1, 0).tensor("w", {8, 4}, 0, 0).pad();  // data at 96, needs 128 bytes
  past.bytes.resize(past.bytes.size() + 100);
  cases.push_back({"tensor data past the end", past.bytes,
                   "tensor 'w': data [96, 224) runs past the end of the file: the tensors need 224 "
                   "bytes, the file has 196 (28 missing; a truncated download?)"});
  return cases;
}

TEST(GgufFile, MalformedFilesAreRefusedWithClearErrors) {
  for (const Case& c : malformed_cases()) {
    SCOPED_TRACE(c.note);
    const std::string message = error_of(c.bytes);
    EXPECT_NE(message.find(c.error), std::string::npos) << "message: " << message;
    EXPECT_EQ(message.rfind("case.gguf: ", 0), 0u) << "message names no file: " << message;
  }
}

TEST(GgufFile, HeaderOnlyModeReadsATruncatedFile) {
  std::vector<std::byte> bytes = every_type_writer().to_bytes();
  const GgufFile full = GgufFile::parse(bytes, "full.gguf");
  EXPECT_TRUE(full.has_tensor_data());
  EXPECT_LE(full.needed_bytes(), bytes.size());
  EXPECT_GT(full.needed_bytes() + 32, bytes.size());  // the writer pads the last tensor
  bytes.resize(full.data_offset() + 10);
  EXPECT_NE(error_of(bytes).find("tensor 'w.f32': data [736, 784) runs past the end of the file"),
            std::string::npos) << error_of(bytes);
  const GgufFile head = GgufFile::parse(bytes, "head.gguf", GgufFile::Mode::kHeaderOnly);
  EXPECT_FALSE(head.has_tensor_data());
  EXPECT_EQ(head.get_string_array("t.arr_str").size(), 3u);
  EXPECT_EQ(head.tensors().size(), 3u);
  try {
    head.tensor_view("w.f32");
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("runs past the end of the file (746 bytes"), std::string::npos)
        << e.what();
  }
}

// Every proper prefix of a valid file is refused (never a crash or an out-of-bounds read; the
// fuzzer checks the latter under ASan), and every prefix that keeps the header parses header-only.
TEST(GgufFile, EveryTruncationIsRefused) {
  const std::vector<std::byte> bytes = every_type_writer().to_bytes();
  const GgufFile full = GgufFile::parse(bytes, "x");
  const size_t header_end = full.data_offset();
  for (size_t n = 0; n < full.needed_bytes(); ++n) {
    const std::vector<std::byte> prefix(bytes.begin(), bytes.begin() + n);
    EXPECT_NE(error_of(prefix), "") << "prefix of " << n << " bytes";
    if (n >= header_end) {
      EXPECT_EQ(error_of(prefix, GgufFile::Mode::kHeaderOnly), "") << "prefix of " << n << " bytes";
    }
  }
}

TEST(GgufFile, WriterRefusesInconsistentTensors) {
  GgufWriter w;
  EXPECT_THROW(w.add_tensor("t", DType::kF32, {2, 3}, std::vector<std::byte>(20)), std::invalid_argument);
  EXPECT_THROW(w.add_tensor("t", DType::kQ4_0, {2, 20}, std::vector<std::byte>(36)), std::invalid_argument);
  EXPECT_THROW(w.add_tensor("t", DType::kF32, {}, std::vector<std::byte>{}), std::invalid_argument);
  w.add_tensor("q", DType::kQ4_0, {2, 64}, std::vector<std::byte>(2 * 2 * 18));
  const std::vector<std::byte> bytes = w.to_bytes();
  const GgufFile f = GgufFile::parse(bytes, "q.gguf");
  EXPECT_EQ(f.tensors()[0].dtype, DType::kQ4_0);
  EXPECT_EQ(f.tensors()[0].ne, (std::vector<int64_t>{64, 2}));
  EXPECT_EQ(f.tensors()[0].bytes, 72u);
  EXPECT_EQ(f.tensor_view("q").row_bytes(), 36u);
}

TEST(GgufFile, ProducedTensorsWriteTheSameBytesAndAFailureLeavesNoFile) {
  std::vector<std::byte> a(3 * 4 * 4), b(2 * 34);
  for (size_t i = 0; i < a.size(); ++i) a[i] = std::byte(i * 7);
  for (size_t i = 0; i < b.size(); ++i) b[i] = std::byte(i * 13 + 1);
  GgufWriter stored, produced;
  stored.set("general.alignment", GgufValue::of_u32(64));
  produced.set("general.alignment", GgufValue::of_u32(64));
  stored.add_tensor("a", DType::kF32, {3, 4}, a);
  stored.add_tensor("b", DType::kQ8_0, {2, 32}, b);
  int calls = 0;
  produced.add_produced_tensor("a", DType::kF32, {3, 4}, [&](std::span<std::byte> out) {
    ++calls;
    ASSERT_EQ(out.size(), a.size());
    std::copy(a.begin(), a.end(), out.begin());
  });
  produced.add_produced_tensor("b", DType::kQ8_0, {2, 32}, [&](std::span<std::byte> out) {
    ++calls;
    std::copy(b.begin(), b.end(), out.begin());
  });
  testing::ScratchDir dir("gguf_produced");
  produced.write(dir.path() / "p.gguf");
  EXPECT_EQ(calls, 2);
  std::ifstream in(dir.path() / "p.gguf", std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::vector<std::byte> expected = stored.to_bytes();
  ASSERT_EQ(file.size(), expected.size());
  EXPECT_EQ(std::memcmp(file.data(), expected.data(), expected.size()), 0);

  GgufWriter failing;
  failing.add_produced_tensor("x", DType::kF32, {4}, [](std::span<std::byte>) { throw std::runtime_error("boom"); });
  EXPECT_THROW(failing.write(dir.path() / "f.gguf"), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "f.gguf"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "f.gguf.tmp"));
}

}  // namespace
}  // namespace boxed::inference::model
