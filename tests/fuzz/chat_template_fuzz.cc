// libFuzzer target: see chat_template_fuzz_body.h for what one input exercises, tests/fuzz/CMakeLists.txt
// and scripts/fuzz.sh for how to build and run it.
#include "tests/fuzz/chat_template_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  boxed::fuzz::fuzz_chat_template_once(data, size);
  return 0;
}
