// A loaded decoder model: its config and dtype-tagged weight views into the memory-mapped
// safetensors files (model.safetensors, or the shards named by model.safetensors.index.json) of
// a Hugging Face directory, or into a GGUF file (gguf_model.h; weights stay in their quantized
// blocks).
//
//   std::unique_ptr<Model> model = Model::load("models/tiny-qwen2");   // or "model-q4_k_m.gguf"
//   const ModelWeights& w = model->weights();
//   w.layers[0].q_proj.shape   // {n_heads * head_dim, hidden_size}
//
// Every tensor the architecture needs is checked for presence, dtype (BF16/F16/F32) and shape
// against the config; in an AutoAWQ GEMM checkpoint (config.json quantization_config, see awq.h)
// the seven linear weights of each layer are AWQ views (TensorView::awq); errors say which file, which tensor, expected versus found. Tensors the
// architecture does not use are ignored (as transformers does, also "lm_head.weight" when
// tie_word_embeddings is true).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "inference/model/gguf_file.h"
#include "inference/model/model_config.h"
#include "inference/model/safetensors.h"

namespace boxed::inference::model {

// Shapes use HF names: hidden = hidden_size, q_dim = n_heads * head_dim,
// kv_dim = n_kv_heads * head_dim, inter = intermediate_size. Linear weights are [out, in].
struct LayerWeights {
  TensorView input_norm;           // [hidden]            input_layernorm.weight
  TensorView q_proj;               // [q_dim, hidden]
  TensorView k_proj;               // [kv_dim, hidden]
  TensorView v_proj;               // [kv_dim, hidden]
  std::optional<TensorView> q_bias;  // [q_dim]   when config.attention_bias
  std::optional<TensorView> k_bias;  // [kv_dim]
  std::optional<TensorView> v_bias;  // [kv_dim]
  TensorView o_proj;               // [hidden, q_dim]
  TensorView post_attention_norm;  // [hidden]            post_attention_layernorm.weight
  TensorView gate_proj;            // [inter, hidden]
  TensorView up_proj;              // [inter, hidden]
  TensorView down_proj;            // [hidden, inter]
};

struct ModelWeights {
  TensorView embed_tokens;  // [vocab, hidden]   model.embed_tokens.weight
  std::vector<LayerWeights> layers;
  TensorView final_norm;    // [hidden]          model.norm.weight
  TensorView lm_head;       // [vocab, hidden]   lm_head.weight, or embed_tokens when tied
};

class Model {
 public:
  // A model directory or a .gguf file.
  static std::unique_ptr<Model> load(const std::filesystem::path& model_dir_or_gguf);

  const ModelConfig& config() const { return config_; }
  const ModelWeights& weights() const { return weights_; }
  const std::filesystem::path& dir() const { return dir_; }  // the directory or the .gguf file

 private:
  Model() = default;
  std::filesystem::path dir_;
  ModelConfig config_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;  // own the mappings the views point into
  std::unique_ptr<GgufFile> gguf_;                       // ... or this one
  std::vector<std::vector<std::byte>> owned_;            // un-permuted GGUF Llama q/k rows
  ModelWeights weights_;
};

// How the linear layers' weights are stored, for report manifests: "BF16", "AWQ int4 gemm
// (group 128)", or for a mixture the dtypes by count ("Q4_K 144, Q6_K 24").
std::string weights_description(const Model& model);

}  // namespace boxed::inference::model
