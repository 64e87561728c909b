#include "inference/model/gguf_file.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace boxed::inference::model {

static_assert(std::endian::native == std::endian::little,
              "GGUF is little-endian; the reader copies values without swapping");

namespace {

// gguf.md: "GGUF" as 4 bytes, i.e. the little-endian uint32 0x46554747.
constexpr char kMagic[4] = {'G', 'G', 'U', 'F'};
constexpr uint32_t kDefaultAlignment = 32;  // gguf.md, general.alignment
constexpr int kMaxArrayDepth = 8;           // nesting deeper than any writer produces
constexpr uint32_t kMaxDims = 4;            // GGML_MAX_DIMS (ggml.h)
// Nested arrays cost a GgufValue each in memory; cap their count so a malicious file cannot
// make a small file into a huge allocation. Real files have none.
constexpr uint64_t kMaxNestedArrays = 1 << 20;

// A bounds-checked little-endian cursor over the file's bytes.
class Cursor {
 public:
  Cursor(std::span<const std::byte> bytes, const std::string& source)
      : bytes_(bytes), source_(source) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }

  [[noreturn]] void fail(const std::string& what, const std::string& message) const {
    throw std::runtime_error(fmt::format("{}: {}: {}", source_, what, message));
  }

  void need(uint64_t n, const std::string& what) const {
    if (n > remaining()) {
      fail(what, fmt::format("needs {} bytes at byte offset {}, but the file ends {} bytes later "
                             "(file size {} bytes; truncated?)",
                             n, pos_, remaining(), bytes_.size()));
    }
  }

  template <class T>
  T read(const std::string& what) {
    need(sizeof(T), what);
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }

  const std::byte* take(uint64_t n, const std::string& what) {
    need(n, what);
    const std::byte* p = bytes_.data() + pos_;
    pos_ += n;
    return p;
  }

  // gguf.md `gguf_string_t`: uint64 length, then that many UTF-8 bytes (no terminator).
  std::string read_string(const std::string& what) {
    const size_t at = pos_;
    const uint64_t length = read<uint64_t>(what + " (string length)");
    if (length > remaining()) {
      fail(what, fmt::format("string of {} bytes at byte offset {} runs past the end of the file "
                             "({} bytes remain, file size {} bytes)",
                             length, at, remaining(), bytes_.size()));
    }
    const std::byte* p = take(length, what);
    return std::string(reinterpret_cast<const char*>(p), length);
  }

 private:
  std::span<const std::byte> bytes_;
  const std::string& source_;
  size_t pos_ = 0;
};

GgufType read_value_type(Cursor& in, const std::string& what) {
  const size_t at = in.pos();
  const uint32_t raw = in.read<uint32_t>(what + " (value type)");
  if (raw > static_cast<uint32_t>(GgufType::kFloat64)) {
    in.fail(what, fmt::format("unknown value type {} at byte offset {} (expected 0..12, "
                              "gguf_metadata_value_type)", raw, at));
  }
  return static_cast<GgufType>(raw);
}

GgufValue read_value(Cursor& in, GgufType type, const std::string& what, int depth,
                     uint64_t& nested_arrays);

GgufValue read_array(Cursor& in, const std::string& what, int depth, uint64_t& nested_arrays) {
  if (depth >= kMaxArrayDepth) {
    in.fail(what, fmt::format("arrays nested deeper than {} levels at byte offset {}",
                              kMaxArrayDepth, in.pos()));
  }
  GgufValue v;
  v.type = GgufType::kArray;
  v.array_type = read_value_type(in, what + " (array element type)");
  const size_t at = in.pos();
  v.array_size = in.read<uint64_t>(what + " (array length)");
  // The smallest stored element: a fixed-size value, an empty string (8 bytes) or an empty
  // array (4 + 8 bytes). More elements than that allows cannot be in the file.
  const size_t fixed = gguf_type_size(v.array_type);
  const uint64_t min_element = fixed != 0 ? fixed : v.array_type == GgufType::kString ? 8 : 12;
  if (v.array_size > in.remaining() / min_element) {
    in.fail(what, fmt::format("array of {} {} elements at byte offset {} needs at least {} bytes, "
                              "but only {} remain in the file",
                              v.array_size, gguf_type_name(v.array_type), at,
                              static_cast<double>(v.array_size) * min_element, in.remaining()));
  }
  if (fixed != 0) {
    const std::byte* p = in.take(v.array_size * fixed, what);
    v.array_raw.assign(p, p + v.array_size * fixed);
    if (v.array_type == GgufType::kBool) {
      for (uint64_t i = 0; i < v.array_size; ++i) {
        if (static_cast<uint8_t>(p[i]) > 1) {
          in.fail(what, fmt::format("element {}: expected a bool (0 or 1), found {}", i,
                                    static_cast<int>(p[i])));
        }
      }
    }
  } else if (v.array_type == GgufType::kString) {
    v.array_strings.reserve(v.array_size);
    for (uint64_t i = 0; i < v.array_size; ++i) {
      v.array_strings.push_back(in.read_string(fmt::format("{}[{}]", what, i)));
    }
  } else {
    nested_arrays += v.array_size;
    if (nested_arrays > kMaxNestedArrays) {
      in.fail(what, fmt::format("more than {} nested arrays in the file", kMaxNestedArrays));
    }
    v.array_arrays.reserve(v.array_size);
    for (uint64_t i = 0; i < v.array_size; ++i) {
      v.array_arrays.push_back(
          read_value(in, GgufType::kArray, fmt::format("{}[{}]", what, i), depth + 1, nested_arrays));
    }
  }
  return v;
}

GgufValue read_value(Cursor& in, GgufType type, const std::string& what, int depth,
                     uint64_t& nested_arrays) {
  switch (type) {
    case GgufType::kUint8: return GgufValue::of_uint(type, in.read<uint8_t>(what));
    case GgufType::kUint16: return GgufValue::of_uint(type, in.read<uint16_t>(what));
    case GgufType::kUint32: return GgufValue::of_uint(type, in.read<uint32_t>(what));
    case GgufType::kUint64: return GgufValue::of_uint(type, in.read<uint64_t>(what));
    case GgufType::kInt8: return GgufValue::of_int(type, in.read<int8_t>(what));
    case GgufType::kInt16: return GgufValue::of_int(type, in.read<int16_t>(what));
    case GgufType::kInt32: return GgufValue::of_int(type, in.read<int32_t>(what));
    case GgufType::kInt64: return GgufValue::of_int(type, in.read<int64_t>(what));
    case GgufType::kFloat32: return GgufValue::of_float(type, in.read<float>(what));
    case GgufType::kFloat64: return GgufValue::of_float(type, in.read<double>(what));
    case GgufType::kBool: {
      const size_t at = in.pos();
      const uint8_t b = in.read<uint8_t>(what);
      if (b > 1) {
        in.fail(what, fmt::format("expected a bool (0 or 1) at byte offset {}, found {}", at, b));
      }
      return GgufValue::of_bool(b != 0);
    }
    case GgufType::kString: return GgufValue::of_string(in.read_string(what));
    case GgufType::kArray: return read_array(in, what, depth, nested_arrays);
  }
  in.fail(what, "unknown value type");
}

}  // namespace

GgufFile GgufFile::open(const std::filesystem::path& path, Mode mode) {
  GgufFile f;
  f.source_ = path.string();
  f.file_ = std::make_unique<MappedFile>(path);
  f.bytes_ = f.file_->bytes();
  f.parse_all(mode);
  return f;
}

GgufFile GgufFile::parse(std::span<const std::byte> bytes, std::string source, Mode mode) {
  GgufFile f;
  f.source_ = std::move(source);
  f.bytes_ = bytes;
  f.parse_all(mode);
  return f;
}

void GgufFile::parse_all(Mode mode) {
  Cursor in(bytes_, source_);
  const std::byte* magic = in.take(4, "header (magic)");
  if (std::memcmp(magic, kMagic, 4) != 0) {
    std::string found;
    for (int i = 0; i < 4; ++i) found += fmt::format("{:02x}", static_cast<uint8_t>(magic[i]));
    in.fail("header", fmt::format("not a GGUF file: expected magic \"GGUF\" (47475546) at byte "
                                  "offset 0, found {}", found));
  }
  version_ = in.read<uint32_t>("header (version)");
  // Version 1 used 32-bit counts and lengths; 2 and 3 have the same layout (3 allows big-endian
  // files, which announce themselves by a byte-swapped version and are refused here).
  if (version_ != 2 && version_ != 3) {
    in.fail("header", fmt::format("unsupported GGUF version at byte offset 4: expected 2 or 3, "
                                  "found {}{}", version_,
                                  version_ == 0x03000000 || version_ == 0x02000000
                                      ? " (a big-endian file)" : ""));
  }
  const uint64_t n_tensors = in.read<uint64_t>("header (tensor count)");
  const uint64_t n_kv = in.read<uint64_t>("header (metadata count)");
  // Smallest stored key/value: empty key (8) + type (4) + one byte; tensor info: empty name (8)
  // + n_dims (4) + type (4) + offset (8).
  if (n_kv > in.remaining() / 13) {
    in.fail("header", fmt::format("metadata count {} cannot fit in the {} bytes after the header",
                                  n_kv, in.remaining()));
  }
  if (n_tensors > in.remaining() / 24) {
    in.fail("header", fmt::format("tensor count {} cannot fit in the {} bytes after the header",
                                  n_tensors, in.remaining()));
  }

  uint64_t nested_arrays = 0;
  for (uint64_t i = 0; i < n_kv; ++i) {
    const size_t at = in.pos();
    std::string key = in.read_string(fmt::format("metadata entry {} key", i));
    const std::string what = fmt::format("metadata key '{}'", key);
    const GgufType type = read_value_type(in, what);
    GgufValue value = read_value(in, type, what, 0, nested_arrays);
    if (metadata_index_.contains(key)) {
      in.fail(what, fmt::format("duplicate key (again at byte offset {})", at));
    }
    metadata_index_.emplace(key, metadata_.size());
    metadata_.emplace_back(std::move(key), std::move(value));
  }

  alignment_ = kDefaultAlignment;
  if (const GgufValue* a = find("general.alignment")) {
    if (a->type != GgufType::kUint32) {
      in.fail("metadata key 'general.alignment'",
              fmt::format("expected uint32, found {}", a->type_description()));
    }
    if (a->uint == 0 || (a->uint & (a->uint - 1)) != 0) {
      in.fail("metadata key 'general.alignment'",
              fmt::format("expected a power of two, found {}", a->uint));
    }
    alignment_ = static_cast<uint32_t>(a->uint);
  }

  for (uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensorInfo t;
    t.name = in.read_string(fmt::format("tensor info {} name", i));
    const std::string what = fmt::format("tensor '{}'", t.name);
    const size_t dims_at = in.pos();
    const uint32_t n_dims = in.read<uint32_t>(what + " (n_dims)");
    if (n_dims == 0 || n_dims > kMaxDims) {
      in.fail(what, fmt::format("expected 1 to {} dimensions at byte offset {}, found {}", kMaxDims,
                                dims_at, n_dims));
    }
    uint64_t numel = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t ne = in.read<uint64_t>(what + " (dimension)");
      if (ne > (uint64_t{1} << 40) || (ne != 0 && numel > (uint64_t{1} << 48) / ne)) {
        in.fail(what, fmt::format("dimension {} of {} makes the tensor impossibly large", d, ne));
      }
      numel *= ne;
      t.ne.push_back(static_cast<int64_t>(ne));
    }
    t.shape.assign(t.ne.rbegin(), t.ne.rend());
    const size_t type_at = in.pos();
    const uint32_t ggml_type = in.read<uint32_t>(what + " (type)");
    const std::optional<DType> dtype = dtype_from_ggml_type(ggml_type);
    if (!dtype) {
      const std::string_view name = ggml_type_name(ggml_type);
      in.fail(what, fmt::format("tensor type {} at byte offset {} is not supported (expected F32, "
                                "F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, "
                                "Q5_K or Q6_K)",
                                name.empty() ? fmt::format("id {} (unknown to GGML)", ggml_type)
                                             : fmt::format("{} (id {})", name, ggml_type),
                                type_at));
    }
    t.dtype = *dtype;
    const int64_t block = dtype_block_elems(t.dtype);
    if (t.ne[0] % block != 0) {
      in.fail(what, fmt::format("{} stores blocks of {} elements, but the row length (ne[0]) is {}",
                                dtype_name(t.dtype), block, t.ne[0]));
    }
    const size_t offset_at = in.pos();
    t.offset = in.read<uint64_t>(what + " (offset)");
    if (t.offset % alignment_ != 0) {
      in.fail(what, fmt::format("data offset {} (stored at byte offset {}) is not a multiple of the "
                                "alignment {}", t.offset, offset_at, alignment_));
    }
    const uint64_t rows = t.ne[0] == 0 ? 0 : numel / static_cast<uint64_t>(t.ne[0]);
    t.bytes = rows * dtype_row_bytes(t.dtype, t.ne[0]);
    if (tensor_index_.contains(t.name)) in.fail(what, "duplicate tensor name");
    tensor_index_.emplace(t.name, tensors_.size());
    tensors_.push_back(std::move(t));
  }

  // gguf.md: padding to the alignment follows the tensor infos, then the data section.
  data_offset_ = (in.pos() + alignment_ - 1) / alignment_ * alignment_;
  needed_bytes_ = data_offset_;
  std::vector<const GgufTensorInfo*> by_offset;
  for (const GgufTensorInfo& t : tensors_) {
    if (t.offset > (uint64_t{1} << 56)) {
      in.fail(fmt::format("tensor '{}'", t.name), fmt::format("data offset {} is absurd", t.offset));
    }
    needed_bytes_ = std::max(needed_bytes_, data_offset_ + t.offset + t.bytes);
    by_offset.push_back(&t);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const GgufTensorInfo* a, const GgufTensorInfo* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const GgufTensorInfo& a = *by_offset[i - 1];
    const GgufTensorInfo& b = *by_offset[i];
    if (b.offset < a.offset + a.bytes) {
      in.fail(fmt::format("tensor '{}'", b.name),
              fmt::format("data [{}, {}) overlaps tensor '{}' at [{}, {})", b.offset,
                          b.offset + b.bytes, a.name, a.offset, a.offset + a.bytes));
    }
  }
  if (mode == Mode::kWithTensorData && needed_bytes_ > bytes_.size()) {
    for (const GgufTensorInfo* t : by_offset) {
      const uint64_t end = data_offset_ + t->offset + t->bytes;
      if (end <= bytes_.size()) continue;
      in.fail(fmt::format("tensor '{}'", t->name),
              fmt::format("data [{}, {}) runs past the end of the file: the tensors need {} bytes, "
                          "the file has {} ({} missing; a truncated download?)",
                          data_offset_ + t->offset, end, needed_bytes_, bytes_.size(),
                          needed_bytes_ - bytes_.size()));
    }
  }
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = metadata_index_.find(key);
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

const GgufTensorInfo* GgufFile::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

TensorView GgufFile::tensor_view(const std::string& name) const {
  const GgufTensorInfo* t = find_tensor(name);
  if (t == nullptr) throw std::runtime_error(fmt::format("{}: no tensor '{}'", source_, name));
  const uint64_t begin = data_offset_ + t->offset;
  if (begin + t->bytes > bytes_.size()) {
    throw std::runtime_error(fmt::format(
        "{}: tensor '{}': data [{}, {}) runs past the end of the file ({} bytes; truncated?)",
        source_, name, begin, begin + t->bytes, bytes_.size()));
  }
  return TensorView{.name = t->name, .dtype = t->dtype, .shape = t->shape,
                    .data = bytes_.data() + begin};
}

}  // namespace boxed::inference::model
