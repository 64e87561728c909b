// The tiny random model of `boxed make-tiny-model`: a complete Hugging Face model directory
// (config.json, generation_config.json, tokenizer_config.json with the DeepSeek-R1-Distill chat
// template, tokenizer.json, BF16 model.safetensors) small enough for tests and the demo, read by
// the same loaders as a downloaded model and by Hugging Face transformers (tools/golden/).
//
//   write_tiny_model("tiny", Architecture::kLlama, /*seed=*/1, make_tiny_tokenizer_json());
//
// Shapes: hidden 64, 2 layers, 4 heads, 2 KV heads, intermediate 128; vocab = the tokenizer's.
//   qwen2: head_dim 16, q/k/v bias, untied LM head, rope_theta 10000 (as DeepSeek-R1-Distill-
//          Qwen-1.5B's config.json).
//   llama: explicit head_dim 32 (q_dim 128 != hidden 64), tied embeddings, rope_theta 500000 and
//          llama3 rope scaling (factor 8, low 1, high 4, as Llama-3.1's config.json) with
//          original_max_position_embeddings 64, so that scaling changes most frequencies and
//          one of them falls in the interpolated band.
// Shape kR1DistillQwen1_5B (qwen2 only): DeepSeek-R1-Distill-Qwen-1.5B's dimensions with random
// weights and the same tiny tokenizer, for speed measurements (`boxed bench`) at a real size.
// bos/eos are the ids of "<｜begin▁of▁sentence｜>" / "<｜end▁of▁sentence｜>" in the tokenizer.
// The same seed writes byte-identical files on every machine.
#pragma once

#include <cstdint>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "inference/model/model_config.h"

namespace boxed::inference::model {

enum class ModelShape { kTiny, kR1DistillQwen1_5B };

// The config for `arch` and `shape` around a tokenizer.json (its R1 special ids; the tiny shape
// also takes its vocabulary size). Throws std::invalid_argument for kR1DistillQwen1_5B with llama.
ModelConfig tiny_model_config(Architecture arch, const nlohmann::json& tokenizer_json,
                              ModelShape shape = ModelShape::kTiny);

void write_tiny_model(const std::filesystem::path& dir, Architecture arch, uint64_t seed,
                      const nlohmann::json& tokenizer_json, ModelShape shape = ModelShape::kTiny);

}  // namespace boxed::inference::model
