// Reader of GGUF files (ggml/docs/gguf.md, versions 2 and 3): a header ("GGUF", version, tensor
// and metadata counts), typed metadata key/values, tensor infos, then the tensor data at
// `general.alignment` (default 32). The file is memory-mapped; tensor views point into the
// mapping and live as long as the GgufFile.
//
//   GgufFile f = GgufFile::open("model.gguf", GgufFile::Mode::kWithTensorData);
//   std::string arch = f.get_string("general.architecture");          // throws when absent
//   uint32_t layers = f.get_u32(arch + ".block_count");
//   float eps = f.get_f32_or(arch + ".attention.layer_norm_rms_epsilon", 1e-6f);
//   std::vector<std::string> tokens = f.get_string_array("tokenizer.ggml.tokens");
//   TensorView w = f.tensor_view("blk.0.attn_q.weight");              // shape [rows, cols]
//
// Mode::kHeaderOnly reads and validates the header, metadata and tensor infos but not the extent
// of the tensor data, so a truncated download still yields its tokenizer and chat template;
// tensor_view() then throws. Mode::kWithTensorData additionally requires every tensor's bytes to
// lie inside the file and refuses the file otherwise, naming the tensor and the byte counts.
//
// Every malformed input throws std::runtime_error naming the file, the key or tensor, the byte
// offset and expected versus found: bad magic or version, strings and arrays running past the end,
// counts that cannot fit in the file, unknown value or tensor types (tensor types by GGML name),
// duplicate keys or tensors, a bad alignment, misaligned or overlapping tensor data. The reader
// never reads out of bounds (a libFuzzer target under tests/fuzz/ holds it to that).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "inference/model/dtype.h"
#include "inference/model/mapped_file.h"
#include "inference/model/safetensors.h"

namespace boxed::inference::model {

// Metadata value types (gguf.md, `enum gguf_metadata_value_type`).
enum class GgufType : uint32_t {
  kUint8 = 0, kInt8 = 1, kUint16 = 2, kInt16 = 3, kUint32 = 4, kInt32 = 5, kFloat32 = 6,
  kBool = 7, kString = 8, kArray = 9, kUint64 = 10, kInt64 = 11, kFloat64 = 12,
};

std::string_view gguf_type_name(GgufType type);  // "uint8" ... "float64"
bool gguf_type_is_integer(GgufType type);
// Bytes of one stored value of a fixed-size type (1, 2, 4 or 8); 0 for string and array.
size_t gguf_type_size(GgufType type);

// The GGML name of a tensor type id, also of types boxed does not load ("IQ2_XXS", "Q8_K");
// "" for an id GGML never defined.
std::string_view ggml_type_name(uint32_t ggml_type);

// One metadata value. Scalars: integers in `uint` (unsigned types and bool) or `sint` (signed),
// floats in `real`, strings in `string`. Arrays: `array_type` and `array_size`, with the elements
// in `array_raw` (numbers and bools, packed little-endian as stored: compact for long arrays such
// as token scores), `array_strings` or `array_arrays` (nested arrays).
struct GgufValue {
  GgufType type = GgufType::kUint8;
  uint64_t uint = 0;
  int64_t sint = 0;
  double real = 0;
  std::string string;
  GgufType array_type = GgufType::kUint8;
  uint64_t array_size = 0;
  std::vector<std::byte> array_raw;
  std::vector<std::string> array_strings;
  std::vector<GgufValue> array_arrays;

  // "uint32", "string", "array of float32", "array of array of string", ...
  std::string type_description() const;
  // Element i of an array of numbers or bools, as a scalar value.
  GgufValue element(size_t i) const;

  // Builders (used by GgufWriter and tests).
  static GgufValue of_uint(GgufType type, uint64_t value);   // kUint8 .. kUint64
  static GgufValue of_int(GgufType type, int64_t value);     // kInt8 .. kInt64
  static GgufValue of_float(GgufType type, double value);    // kFloat32 | kFloat64
  static GgufValue of_bool(bool value);
  static GgufValue of_string(std::string value);
  static GgufValue of_u32(uint32_t value) { return of_uint(GgufType::kUint32, value); }
  static GgufValue of_f32(float value) { return of_float(GgufType::kFloat32, value); }
  static GgufValue of_string_array(const std::vector<std::string>& values);
  static GgufValue of_i32_array(const std::vector<int32_t>& values);
  static GgufValue of_f32_array(const std::vector<float>& values);
  // An array of numbers/bools from scalar values of one type, or of nested arrays.
  static GgufValue of_array(GgufType element_type, const std::vector<GgufValue>& elements);
};

struct GgufTensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> ne;     // GGUF order, innermost (contiguous) dimension first
  std::vector<int64_t> shape;  // HF/row-major order, ne reversed: a matrix is [rows, cols]
  uint64_t offset = 0;         // from the start of the tensor data section
  uint64_t bytes = 0;          // whole rows of blocks
};

class GgufFile {
 public:
  enum class Mode { kHeaderOnly, kWithTensorData };

  // Maps and parses `path`. Throws std::runtime_error naming the file on any error.
  static GgufFile open(const std::filesystem::path& path, Mode mode = Mode::kWithTensorData);
  // Parses bytes owned by the caller (which must outlive the GgufFile); `source` names them in
  // errors. Used by the fuzzer and tests.
  static GgufFile parse(std::span<const std::byte> bytes, std::string source,
                        Mode mode = Mode::kWithTensorData);

  GgufFile(GgufFile&&) = default;
  GgufFile& operator=(GgufFile&&) = default;

  const std::string& source() const { return source_; }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // file offset of the tensor data
  uint64_t file_bytes() const { return bytes_.size(); }
  // Bytes the tensor data needs from the file's start (data_offset + end of the last tensor).
  uint64_t needed_bytes() const { return needed_bytes_; }
  bool has_tensor_data() const { return needed_bytes_ <= bytes_.size(); }

  // Metadata in file order.
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return metadata_; }
  const GgufValue* find(const std::string& key) const;  // nullptr when absent

  // Typed accessors: absent or of the wrong type → std::runtime_error naming the file, the key,
  // expected and found. get_i64 and get_u32 accept any integer type when the value fits; get_f32
  // accepts float32 and float64; get_i32_array any integer element type that fits int32.
  std::string get_string(const std::string& key) const;
  uint32_t get_u32(const std::string& key) const;
  int64_t get_i64(const std::string& key) const;
  float get_f32(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  std::vector<std::string> get_string_array(const std::string& key) const;
  std::vector<int32_t> get_i32_array(const std::string& key) const;
  std::vector<float> get_f32_array(const std::string& key) const;
  // nullopt when absent; present but of the wrong type still throws.
  std::optional<std::string> optional_string(const std::string& key) const;
  std::optional<uint32_t> optional_u32(const std::string& key) const;
  std::optional<int64_t> optional_i64(const std::string& key) const;
  std::optional<float> optional_f32(const std::string& key) const;
  std::optional<bool> optional_bool(const std::string& key) const;
  std::optional<std::vector<std::string>> optional_string_array(const std::string& key) const;
  std::optional<std::vector<int32_t>> optional_i32_array(const std::string& key) const;
  std::optional<std::vector<float>> optional_f32_array(const std::string& key) const;
  std::string get_string_or(const std::string& key, std::string fallback) const;
  uint32_t get_u32_or(const std::string& key, uint32_t fallback) const;
  int64_t get_i64_or(const std::string& key, int64_t fallback) const;
  float get_f32_or(const std::string& key, float fallback) const;
  bool get_bool_or(const std::string& key, bool fallback) const;

  // Tensor infos in file order.
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(const std::string& name) const;  // nullptr when absent
  // A view into the mapping, shape in HF order. Throws when the tensor is absent or the file
  // was opened header-only and does not hold its bytes.
  TensorView tensor_view(const std::string& name) const;

 private:
  GgufFile() = default;
  void parse_all(Mode mode);

  std::string source_;
  std::unique_ptr<MappedFile> file_;  // null when parsing caller-owned bytes
  std::span<const std::byte> bytes_;
  uint32_t version_ = 0;
  uint32_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  uint64_t needed_bytes_ = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::map<std::string, size_t, std::less<>> metadata_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

}  // namespace boxed::inference::model
