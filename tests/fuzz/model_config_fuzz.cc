// libFuzzer target: see model_config_fuzz_body.h for what one input exercises, tests/fuzz/CMakeLists.txt
// and scripts/fuzz.sh for how to build and run it.
#include "tests/fuzz/model_config_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  boxed::fuzz::fuzz_model_config_once(data, size);
  return 0;
}
