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

// --- Model and CPU forward (inference/model/tools_model.cc) ---------------------------------
// Writes the tiny random model directory of `boxed make-tiny-model` (arch "qwen2" | "llama"):
// config.json, generation_config.json, tokenizer_config.json, tokenizer.json, model.safetensors.
// The same seed writes byte-identical files. Throws std::invalid_argument on an unknown arch.
void make_tiny_model(const std::string& dir, const std::string& arch, uint64_t seed);
// The logits [vocab_size] at the last of `tokens` (a sequence starting at position 0), from the
// CPU forward. Throws on an unloadable model or a token outside the vocabulary.
std::vector<float> last_token_logits(const std::string& model_dir, std::span<const int32_t> tokens);
// `text` encoded with the model directory's tokenizer, special tokens parsed, no BOS added.
std::vector<int32_t> encode_text_for_model(const std::string& model_dir, const std::string& text);

}  // namespace boxed::inference
