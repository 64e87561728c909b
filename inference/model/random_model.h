// Random-weight model directories for tests and benchmarks: a config.json that the real loader
// reads and a model.safetensors whose every tensor the config requires, filled from a seeded,
// platform-independent generator (SplitMix64, so the same seed gives the same bytes anywhere).
//
//   ModelConfig config = ...;                       // e.g. the DeepSeek-R1-Distill-Qwen-1.5B shape
//   write_random_model("/tmp/m", config, /*seed=*/7, DType::kBF16);
//   auto model = Model::load("/tmp/m");
//
// Scales keep activations O(1) through the layers (linear weights uniform with standard
// deviation 1/sqrt(fan_in), embeddings standard deviation 1, norm weights near 1), so logits
// have a spread that makes parity tests meaningful.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inference/model/model_config.h"
#include "inference/model/safetensors_writer.h"

namespace boxed::inference::model {

// DeepSeek-R1-Distill-Qwen-1.5B's dimensions (config.json of
// huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B): qwen2, hidden 1536, 28 layers, 12
// heads of 128, 2 KV heads, intermediate 8960, vocab 151936, rope_theta 10000, rms_norm_eps 1e-6,
// q/k/v bias, untied LM head, context 131072. No bos/eos ids.
ModelConfig r1_distill_qwen_1_5b_config();

// config.json in transformers' field names (the inverse of parse_model_config).
nlohmann::json model_config_to_json(const ModelConfig& config);

std::vector<TensorData> random_weights(const ModelConfig& config, uint64_t seed, DType dtype);

// Writes config.json and model.safetensors into `dir` (created if absent).
void write_random_model(const std::filesystem::path& dir, const ModelConfig& config,
                        uint64_t seed, DType dtype);

// Writes `content` to `path` through a temporary file and a rename.
void write_text_file(const std::filesystem::path& path, const std::string& content);

}  // namespace boxed::inference::model
