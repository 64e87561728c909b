// What the fuzz bodies (tests/fuzz/*_fuzz_body.h) share: a scratch directory for the parsers
// that read files by path, a tiny valid model directory whose files one fuzz input replaces, and
// an input reader that takes a selector byte off the front.
//
//   FuzzInput in(data, size);
//   const uint8_t which = in.take_byte();          // picks the parser or mode
//   write_file(scratch_dir() / "x.json", in.rest());
//
// A body treats the exceptions its parser documents as the expected outcome of bad input and lets
// anything else escape: libFuzzer reports an uncaught exception as a crash, and the replay tests
// (tests/fuzz/replay.h) fail on it.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "inference/model/model_config.h"
#include "inference/model/tiny_model.h"
#include "inference/tokenizer/tiny_tokenizer.h"

namespace boxed::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size)
      : text_(reinterpret_cast<const char*>(data), size) {}
  bool empty() const { return text_.empty(); }
  uint8_t take_byte() {
    if (text_.empty()) return 0;
    const auto b = static_cast<uint8_t>(text_.front());
    text_.remove_prefix(1);
    return b;
  }
  // Up to the first '\n' (dropped), or everything when there is none.
  std::string_view take_line() {
    const size_t nl = text_.find('\n');
    const std::string_view line = text_.substr(0, nl);
    text_.remove_prefix(nl == std::string_view::npos ? text_.size() : nl + 1);
    return line;
  }
  std::string_view rest() const { return text_; }

 private:
  std::string_view text_;
};

// A directory of this process's own, removed at exit (a crash leaves it behind in $TMPDIR).
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    path_ = std::filesystem::path(tmp ? tmp : "/tmp") /
            ("boxed-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline const std::filesystem::path& scratch_dir() {
  static const ScratchDir dir;
  return dir.path();
}

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The valid files of the tiny Qwen2 model (inference/model/tiny_model.h), written once under the
// scratch directory; a body copies the ones it does not fuzz into its own directory.
inline const std::filesystem::path& tiny_model_dir() {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path d = scratch_dir() / "tiny-model";
    inference::model::write_tiny_model(d, inference::model::Architecture::kQwen2, /*seed=*/1,
                                       inference::tokenizer::make_tiny_tokenizer_json());
    return d;
  }();
  return dir;
}

// A directory `name` under the scratch directory holding links to the tiny model's files except
// `except` (which the caller writes), made on first use.
inline std::filesystem::path tiny_model_copy(const std::string& name, const std::string& except) {
  const std::filesystem::path dir = scratch_dir() / name;
  if (std::filesystem::exists(dir)) return dir;
  std::filesystem::create_directories(dir);
  for (const auto& entry : std::filesystem::directory_iterator(tiny_model_dir())) {
    if (entry.path().filename() == except) continue;
    std::filesystem::create_symlink(entry.path(), dir / entry.path().filename());
  }
  return dir;
}

}  // namespace boxed::fuzz
