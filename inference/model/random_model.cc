#include "inference/model/random_model.h"

#include <cmath>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

namespace boxed::inference::model {
namespace {

// SplitMix64 (Steele, Lea, Flood: "Fast splittable pseudorandom number generators", 2014).
uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// FNV-1a, 64-bit: gives each tensor its own stream, independent of the order of creation.
uint64_t fnv1a(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// Uniform in [center - half_width, center + half_width), 24 random bits per value.
std::vector<float> uniform(const std::string& name, uint64_t seed, size_t n, float center,
                           float half_width) {
  uint64_t state = seed ^ fnv1a(name);
  std::vector<float> out(n);
  for (float& v : out) {
    const float unit = static_cast<float>(splitmix64(state) >> 40) * (1.0f / 16777216.0f);
    v = center + half_width * (2.0f * unit - 1.0f);
  }
  return out;
}

// A float as the shortest decimal that reads back to it (1e-06, not 9.999999974752427e-07).
double decimal(float value) { return std::stod(fmt::format("{}", value)); }

}  // namespace

ModelConfig r1_distill_qwen_1_5b_config() {
  ModelConfig c;
  c.arch = Architecture::kQwen2;
  c.vocab_size = 151936;
  c.hidden_size = 1536;
  c.n_layers = 28;
  c.n_heads = 12;
  c.n_kv_heads = 2;
  c.head_dim = 128;
  c.intermediate_size = 8960;
  c.max_position_embeddings = 131072;
  c.rms_norm_eps = 1e-6f;
  c.rope_theta = 10000.0f;
  c.tie_word_embeddings = false;
  c.attention_bias = true;
  return c;
}

nlohmann::json model_config_to_json(const ModelConfig& c) {
  const bool qwen2 = c.arch == Architecture::kQwen2;
  nlohmann::json j = {
      {"architectures", {architecture_name(c.arch)}},
      {"model_type", qwen2 ? "qwen2" : "llama"},
      {"vocab_size", c.vocab_size},
      {"hidden_size", c.hidden_size},
      {"num_hidden_layers", c.n_layers},
      {"num_attention_heads", c.n_heads},
      {"num_key_value_heads", c.n_kv_heads},
      {"head_dim", c.head_dim},
      {"intermediate_size", c.intermediate_size},
      {"max_position_embeddings", c.max_position_embeddings},
      {"rms_norm_eps", decimal(c.rms_norm_eps)},
      {"rope_theta", decimal(c.rope_theta)},
      {"tie_word_embeddings", c.tie_word_embeddings},
      {"hidden_act", "silu"},
      {"torch_dtype", "bfloat16"},
  };
  if (qwen2) {
    j["use_sliding_window"] = false;
  } else {
    j["attention_bias"] = c.attention_bias;
    j["mlp_bias"] = false;
  }
  if (c.rope_scaling.type == "llama3") {
    j["rope_scaling"] = {
        {"rope_type", "llama3"},
        {"factor", decimal(c.rope_scaling.factor)},
        {"low_freq_factor", decimal(c.rope_scaling.low_freq_factor)},
        {"high_freq_factor", decimal(c.rope_scaling.high_freq_factor)},
        {"original_max_position_embeddings", c.rope_scaling.original_max_position_embeddings}};
  }
  if (c.bos_token_id) j["bos_token_id"] = *c.bos_token_id;
  if (c.eos_token_ids.size() == 1) j["eos_token_id"] = c.eos_token_ids.front();
  if (c.eos_token_ids.size() > 1) j["eos_token_id"] = c.eos_token_ids;
  return j;
}

std::vector<TensorData> random_weights(const ModelConfig& c, uint64_t seed, DType dtype) {
  std::vector<TensorData> tensors;
  const auto linear = [&](const std::string& name, int64_t out, int64_t in) {
    const float half_width = std::sqrt(3.0f / static_cast<float>(in));  // std 1/sqrt(in)
    tensors.push_back(make_tensor(name, dtype, {out, in},
                                  uniform(name, seed, static_cast<size_t>(out * in), 0, half_width)));
  };
  const auto vector = [&](const std::string& name, int64_t n, float center, float half_width) {
    tensors.push_back(make_tensor(name, dtype, {n}, uniform(name, seed, n, center, half_width)));
  };
  const int64_t hidden = c.hidden_size;
  const int64_t q_dim = int64_t{c.n_heads} * c.head_dim;
  const int64_t kv_dim = int64_t{c.n_kv_heads} * c.head_dim;
  const float sqrt3 = std::sqrt(3.0f);
  tensors.push_back(make_tensor(
      "model.embed_tokens.weight", dtype, {c.vocab_size, hidden},
      uniform("model.embed_tokens.weight", seed, size_t(c.vocab_size) * hidden, 0, sqrt3)));
  for (int l = 0; l < c.n_layers; ++l) {
    const std::string p = fmt::format("model.layers.{}.", l);
    vector(p + "input_layernorm.weight", hidden, 1.0f, 0.2f);
    linear(p + "self_attn.q_proj.weight", q_dim, hidden);
    linear(p + "self_attn.k_proj.weight", kv_dim, hidden);
    linear(p + "self_attn.v_proj.weight", kv_dim, hidden);
    if (c.attention_bias) {
      vector(p + "self_attn.q_proj.bias", q_dim, 0, 0.5f);
      vector(p + "self_attn.k_proj.bias", kv_dim, 0, 0.5f);
      vector(p + "self_attn.v_proj.bias", kv_dim, 0, 0.5f);
    }
    linear(p + "self_attn.o_proj.weight", hidden, q_dim);
    vector(p + "post_attention_layernorm.weight", hidden, 1.0f, 0.2f);
    linear(p + "mlp.gate_proj.weight", c.intermediate_size, hidden);
    linear(p + "mlp.up_proj.weight", c.intermediate_size, hidden);
    linear(p + "mlp.down_proj.weight", hidden, c.intermediate_size);
  }
  vector("model.norm.weight", hidden, 1.0f, 0.2f);
  if (!c.tie_word_embeddings) linear("lm_head.weight", c.vocab_size, hidden);
  return tensors;
}

void write_text_file(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) throw std::runtime_error(fmt::format("{}: cannot write", tmp.string()));
  }
  std::filesystem::rename(tmp, path);
}

void write_random_model(const std::filesystem::path& dir, const ModelConfig& config,
                        uint64_t seed, DType dtype) {
  std::filesystem::create_directories(dir);
  write_text_file(dir / "config.json", model_config_to_json(config).dump(2) + "\n");
  write_safetensors(dir / "model.safetensors", random_weights(config, seed, dtype),
                    {{"format", "pt"}});
}

}  // namespace boxed::inference::model
