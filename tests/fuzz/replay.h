// Replays the inputs kept for a fuzz target — tests/data/fuzz/<target>/, its seeds/, its
// regressions/ (crashes the fuzzer found, kept with their fix) and any other file below it but
// README.md — through the target's body, in the ordinary test suite (gcc, no libFuzzer). A body
// throws or crashes only on a bug, so each input must run without an exception; under
// BOXED_SANITIZE an out-of-bounds read or undefined behaviour fails too.
//
//   TEST(SafetensorsFuzzReplay, EveryKeptInputParsesOrIsRefused) {
//     fuzz::expect_kept_inputs_pass("safetensors", fuzz::fuzz_safetensors_once);
//   }
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace boxed::fuzz {

inline std::filesystem::path kept_inputs_dir(const std::string& target) {
  const char* root = std::getenv("BOXED_SOURCE_DIR");
  return std::filesystem::path(root ? root : BOXED_SOURCE_DIR_PATH) / "tests/data/fuzz" / target;
}

template <typename Body>
void expect_kept_inputs_pass(const std::string& target, Body body) {
  const std::filesystem::path dir = kept_inputs_dir(target);
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().filename() != "README.md") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NO_THROW(body(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }
  EXPECT_GE(files.size(), 1u) << "no inputs under " << dir;
}

}  // namespace boxed::fuzz
