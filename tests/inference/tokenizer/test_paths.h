// Paths for the tokenizer tests: the source tree (BOXED_SOURCE_DIR, set by CTest) and the
// shared reference vocabularies beside it (../shared/tokenizers) and the fetched real models,
// which may be absent.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace boxed::inference::tokenizer::testing {

inline std::filesystem::path source_dir() {
  const char* dir = std::getenv("BOXED_SOURCE_DIR");
  return dir ? std::filesystem::path(dir) : std::filesystem::current_path();
}

// ../shared/tokenizers/<name>, or "" when the shared folder is absent.
inline std::filesystem::path shared_tokenizer_dir(const std::string& name) {
  const auto dir = source_dir() / ".." / "shared" / "tokenizers" / name;
  return std::filesystem::exists(dir) ? dir : std::filesystem::path();
}

// A fetched real model file (../shared/models/fetch.sh): $BOXED_MODELS_DIR, else
// ~/.cache/boxed-models; "" when absent.
inline std::filesystem::path model_file(const std::string& name) {
  const char* env = std::getenv("BOXED_MODELS_DIR");
  const char* home = std::getenv("HOME");
  const std::filesystem::path dir =
      env ? std::filesystem::path(env)
          : std::filesystem::path(home ? home : "/root") / ".cache" / "boxed-models";
  return std::filesystem::exists(dir / name) ? dir / name : std::filesystem::path();
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace boxed::inference::tokenizer::testing
