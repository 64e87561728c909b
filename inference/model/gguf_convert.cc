#include "inference/model/gguf_convert.h"

#include <cmath>
#include <cstring>
#include <numbers>
#include <regex>
#include <stdexcept>

#include <fmt/format.h>

namespace boxed::inference::model {
namespace {

// Permutes whole rows (any dtype: quantized rows move as bytes).
void permute_rows(TensorData& t, int n_heads) {
  const int64_t rows = t.shape[0];
  const size_t row_bytes = t.bytes.size() / static_cast<size_t>(rows);
  std::vector<std::byte> out(t.bytes.size());
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(out.data() + r * row_bytes,
                t.bytes.data() + gguf_permuted_source_row(r, rows, n_heads) * row_bytes, row_bytes);
  }
  t.bytes = std::move(out);
}

}  // namespace

// Names: convert_hf_to_gguf.py via gguf-py tensor_mapping.py (TensorNameMap) for Qwen2 / Llama.
std::string gguf_tensor_name(const std::string& hf) {
  static const std::pair<const char*, const char*> kTop[] = {
      {"model.embed_tokens.weight", "token_embd.weight"},
      {"model.norm.weight", "output_norm.weight"},
      {"lm_head.weight", "output.weight"}};
  for (const auto& [from, to] : kTop) {
    if (hf == from) return to;
  }
  static const std::pair<const char*, const char*> kLayer[] = {
      {"input_layernorm.weight", "attn_norm.weight"},
      {"self_attn.q_proj.weight", "attn_q.weight"}, {"self_attn.q_proj.bias", "attn_q.bias"},
      {"self_attn.k_proj.weight", "attn_k.weight"}, {"self_attn.k_proj.bias", "attn_k.bias"},
      {"self_attn.v_proj.weight", "attn_v.weight"}, {"self_attn.v_proj.bias", "attn_v.bias"},
      {"self_attn.o_proj.weight", "attn_output.weight"},
      {"post_attention_layernorm.weight", "ffn_norm.weight"},
      {"mlp.gate_proj.weight", "ffn_gate.weight"},
      {"mlp.up_proj.weight", "ffn_up.weight"},
      {"mlp.down_proj.weight", "ffn_down.weight"}};
  static const std::regex kLayerName(R"(model\.layers\.(\d+)\.(.+))");
  std::smatch m;
  if (!std::regex_match(hf, m, kLayerName)) return "";
  for (const auto& [from, to] : kLayer) {
    if (m[2] == from) return fmt::format("blk.{}.{}", m[1].str(), to);
  }
  return "";
}

// convert_hf_to_gguf.py `LlamaModel.permute(weights, n_head, n_head_kv)`:
//   w.reshape(n_head, 2, rows // n_head // 2, *rest).swapaxes(1, 2).reshape(w.shape)
// Output row (h, i, s) — index h*d + 2*i + s — is input row (h, s, i) — index h*d + s*d/2 + i.
int64_t gguf_permuted_source_row(int64_t row, int64_t rows, int n_heads) {
  const int64_t d = rows / n_heads;
  const int64_t h = row / d, within = row % d;
  return h * d + (within % 2) * (d / 2) + within / 2;
}

int gguf_permuted_heads(const ModelConfig& c, const std::string& name) {
  if (c.arch != Architecture::kLlama) return 0;
  // LlamaModel.modify_tensors: q with (n_head, n_head), k with (n_head, n_head_kv) — which
  // permute() turns into n_head_kv heads.
  if (name.ends_with("attn_q.weight") || name.ends_with("attn_q.bias")) return c.n_heads;
  if (name.ends_with("attn_k.weight") || name.ends_with("attn_k.bias")) return c.n_kv_heads;
  return 0;
}

std::vector<float> llama3_rope_freq_factors(const ModelConfig& c) {
  const RopeScaling& s = c.rope_scaling;
  const float old_context = static_cast<float>(s.original_max_position_embeddings);
  const float low_freq_wavelen = old_context / s.low_freq_factor;
  const float high_freq_wavelen = old_context / s.high_freq_factor;
  std::vector<float> factors(c.head_dim / 2);
  for (size_t i = 0; i < factors.size(); ++i) {
    const float freq = 1.0f / std::pow(c.rope_theta, static_cast<float>(2 * i) / static_cast<float>(c.head_dim));
    const float wavelen = 2.0f * std::numbers::pi_v<float> / freq;
    if (wavelen < high_freq_wavelen) {
      factors[i] = 1.0f;
    } else if (wavelen > low_freq_wavelen) {
      factors[i] = s.factor;
    } else {
      const float smooth = (old_context / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
      factors[i] = 1.0f / ((1.0f - smooth) / s.factor + smooth);
    }
  }
  return factors;
}

void set_gguf_architecture(GgufWriter& w, const ModelConfig& c) {
  // llama3 scaling has no metadata: it travels as the rope_freqs.weight tensor.
  if (c.rope_scaling.type != "none" && c.rope_scaling.type != "llama3") {
    throw std::invalid_argument(fmt::format(
        "gguf_from_hf: rope scaling \"{}\" is not supported", c.rope_scaling.type));
  }
  const std::string arch = c.arch == Architecture::kLlama ? "llama" : "qwen2";
  // Keys in the order convert_hf_to_gguf.py writes them (gguf-py constants.py Keys.*).
  w.set("general.architecture", GgufValue::of_string(arch));
  w.set(arch + ".block_count", GgufValue::of_u32(c.n_layers));
  w.set(arch + ".context_length", GgufValue::of_u32(c.max_position_embeddings));
  w.set(arch + ".embedding_length", GgufValue::of_u32(c.hidden_size));
  w.set(arch + ".feed_forward_length", GgufValue::of_u32(c.intermediate_size));
  w.set(arch + ".attention.head_count", GgufValue::of_u32(c.n_heads));
  w.set(arch + ".attention.head_count_kv", GgufValue::of_u32(c.n_kv_heads));
  w.set(arch + ".rope.freq_base", GgufValue::of_f32(c.rope_theta));
  w.set(arch + ".attention.layer_norm_rms_epsilon", GgufValue::of_f32(c.rms_norm_eps));
  if (c.head_dim * c.n_heads != c.hidden_size) {
    w.set(arch + ".attention.key_length", GgufValue::of_u32(c.head_dim));
    w.set(arch + ".attention.value_length", GgufValue::of_u32(c.head_dim));
  }
  w.set(arch + ".vocab_size", GgufValue::of_u32(c.vocab_size));
  if (c.bos_token_id) w.set("tokenizer.ggml.bos_token_id", GgufValue::of_u32(*c.bos_token_id));
  if (!c.eos_token_ids.empty()) {
    w.set("tokenizer.ggml.eos_token_id", GgufValue::of_u32(c.eos_token_ids.front()));
  }
  if (!c.chat_template.empty()) w.set("tokenizer.chat_template", GgufValue::of_string(c.chat_template));
}

GgufWriter gguf_from_hf(const ModelConfig& c, std::vector<TensorData> tensors) {
  GgufWriter w;
  set_gguf_architecture(w, c);
  for (TensorData& t : tensors) {
    const std::string name = gguf_tensor_name(t.name);
    if (name.empty()) {
      throw std::invalid_argument(fmt::format("gguf_from_hf: no GGUF name for tensor '{}'", t.name));
    }
    if (c.tie_word_embeddings && name == "output.weight") continue;
    if (const int heads = gguf_permuted_heads(c, name); heads > 0) permute_rows(t, heads);
    t.name = name;
    w.add_tensor(std::move(t));
  }
  if (c.rope_scaling.type == "llama3") {
    // LlamaModel.generate_extra_tensors: the factors as one F32 tensor, after the weights.
    const std::vector<float> factors = llama3_rope_freq_factors(c);
    std::vector<std::byte> bytes(factors.size() * sizeof(float));
    std::memcpy(bytes.data(), factors.data(), bytes.size());
    w.add_tensor("rope_freqs.weight", DType::kF32, {static_cast<int64_t>(factors.size())}, std::move(bytes));
  }
  return w;
}

}  // namespace boxed::inference::model
