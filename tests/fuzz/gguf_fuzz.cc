// libFuzzer target for the GGUF reader (see tests/fuzz/CMakeLists.txt for how to build and run).
#include "tests/fuzz/gguf_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  boxed::fuzz::fuzz_gguf_once(data, size);
  return 0;
}
