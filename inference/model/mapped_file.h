// A read-only memory mapping of a whole file (RAII: unmapped in the destructor).
//
//   MappedFile file("model.safetensors");     // throws naming the file when it cannot be mapped
//   std::span<const std::byte> bytes = file.bytes();
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>

namespace boxed::inference::model {

class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace boxed::inference::model
