// The architecture of a Hugging Face decoder model directory, read from config.json (plus
// generation_config.json and tokenizer_config.json for bos/eos ids and sampling defaults).
//
//   ModelConfig config = load_model_config("models/tiny-qwen2");
//   if (config.arch == Architecture::kQwen2) ...   // q/k/v projections carry a bias
//
// Supported: "Qwen2ForCausalLM" and "LlamaForCausalLM" (field names as in transformers'
// Qwen2Config / LlamaConfig). Llama-3.1 rope scaling ("rope_type": "llama3") is read from
// "rope_scaling" or, as transformers 5 writes it, "rope_parameters". Anything this code would
// silently compute wrongly (another rope type, sliding windows in use, mlp_bias, an activation
// other than silu) is refused with an error naming the file and field.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace boxed::inference::model {

enum class Architecture { kQwen2, kLlama };

struct RopeScaling {
  std::string type = "none";  // "none" | "llama3" | "freq_factors"
  float factor = 1;
  float low_freq_factor = 1;
  float high_freq_factor = 4;
  int original_max_position_embeddings = 8192;
  // type "freq_factors" (a GGUF file's `rope_freqs.weight`, [head_dim / 2]): frequency i is
  // divided by freq_factors[i] — how llama.cpp applies Llama-3.1 scaling (ggml_rope_ext).
  std::vector<float> freq_factors;
};

// Sampling defaults from generation_config.json; absent fields stay empty.
struct GenerationDefaults {
  std::optional<float> temperature;
  std::optional<float> top_p;
  std::optional<int> top_k;
};

// config.json "quantization_config" of an AutoAWQ checkpoint (inference/model/awq.h), the only
// quantized safetensors layout boxed loads: 4 bits, zero points, the "gemm" packing.
struct AwqConfig {
  int group_size = 128;
  std::string version = "gemm";
};

struct ModelConfig {
  Architecture arch = Architecture::kQwen2;
  int vocab_size = 0;
  int hidden_size = 0;
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;
  int head_dim = 0;  // explicit "head_dim", else hidden_size / n_heads
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  float rms_norm_eps = 1e-6f;
  float rope_theta = 10000.0f;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  // Qwen2: always true; Llama: "attention_bias"
  std::optional<int32_t> bos_token_id;
  std::vector<int32_t> eos_token_ids;  // generation_config.json wins over config.json
  GenerationDefaults generation;
  std::optional<AwqConfig> awq;  // set when config.json has an AWQ quantization_config
  // tokenizer_config.json: the template and the bos/eos token *strings* (ids come from the
  // tokenizer); "" when absent.
  std::string chat_template;
  std::string bos_token;
  std::string eos_token;
};

std::string_view architecture_name(Architecture arch);  // "Qwen2ForCausalLM" | "LlamaForCausalLM"

// Reads model_dir/config.json (required), generation_config.json and tokenizer_config.json
// (optional); for a .gguf file, its metadata (gguf_model.h). Throws std::runtime_error naming the file and field on anything missing or invalid.
ModelConfig load_model_config(const std::filesystem::path& model_dir);

// The config.json part alone; `source` names the file in error messages.
ModelConfig parse_model_config(const nlohmann::json& config, const std::string& source);

}  // namespace boxed::inference::model
