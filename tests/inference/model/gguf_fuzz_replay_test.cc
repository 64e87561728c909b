// Replays the inputs the GGUF fuzzer (tests/fuzz/gguf_fuzz.cc) found or started from, kept under
// tests/data/fuzz/gguf/, through the same body the fuzzer runs: each must parse or be refused
// with std::runtime_error (anything else — another exception, a crash — fails; under
// BOXED_SANITIZE an out-of-bounds read fails too).
#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "tests/fuzz/gguf_fuzz_body.h"

namespace boxed::inference::model {
namespace {

std::filesystem::path source_dir() {
  const char* root = std::getenv("BOXED_SOURCE_DIR");
  return root ? root : BOXED_SOURCE_DIR_PATH;
}

TEST(GgufFuzzReplay, EveryKeptInputParsesOrIsRefused) {
  const std::filesystem::path dir = source_dir() / "tests/data/fuzz/gguf";
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename() == "README.md") continue;
    SCOPED_TRACE(entry.path().string());
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NO_THROW(fuzz::fuzz_gguf_once(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    ++n;
  }
  EXPECT_GE(n, 1u) << "no inputs under " << dir;
}

}  // namespace
}  // namespace boxed::inference::model
