// Developer tools of the inference core, for the harness's `tokenize`, `detokenize`, `logits`,
// `make-tiny-model` and `prompts` commands. Together with engine.h and engine_factory.h this is
// all the harness sees of inference/: the tools are thin façades over the internals, so the
// harness never depends on a tokenizer or tensor type.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "inference/engine.h"

namespace boxed::inference {

}  // namespace boxed::inference
