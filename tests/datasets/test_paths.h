// Where the tests find their fixtures: $BOXED_SOURCE_DIR (set by CTest) or the working directory.
#pragma once

#include <cstdlib>
#include <string>

namespace boxed::testing {

inline std::string source_dir() {
  const char* dir = std::getenv("BOXED_SOURCE_DIR");
  return dir ? dir : ".";
}

// A file of the source tree, e.g. source_dir_file("datasets/builtin/aime24/test.jsonl").
inline std::string source_dir_file(const std::string& relative) {
  return source_dir() + "/" + relative;
}

inline std::string dataset_fixture(const std::string& name) {
  return source_dir() + "/tests/data/datasets/" + name;
}

}  // namespace boxed::testing
