// gguf_model_weights (declared in gguf_model.h): GGUF tensor names onto ModelWeights.
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "inference/model/gguf_model.h"

namespace boxed::inference::model {
namespace {

enum class Kind { kMatrix, kVector };  // vectors (norms, biases) must be float types

TensorView require(const GgufFile& f, const std::string& name, const std::vector<int64_t>& shape,
                   Kind kind) {
  const GgufTensorInfo* t = f.find_tensor(name);
  if (t == nullptr) {
    throw std::runtime_error(fmt::format("{}: tensor '{}' is missing (expected shape [{}])",
                                         f.source(), name, fmt::join(shape, ", ")));
  }
  if (t->shape != shape) {
    throw std::runtime_error(fmt::format(
        "{}: tensor '{}': expected shape [{}] (GGUF ne [{}]), found [{}] (ne [{}])", f.source(), name,
        fmt::join(shape, ", "), fmt::join(std::vector<int64_t>(shape.rbegin(), shape.rend()), ", "),
        fmt::join(t->shape, ", "), fmt::join(t->ne, ", ")));
  }
  if (kind == Kind::kVector && dtype_is_quantized(t->dtype)) {
    throw std::runtime_error(fmt::format("{}: tensor '{}': expected F32, F16 or BF16 (a norm or bias), "
                                         "found {}", f.source(), name, dtype_name(t->dtype)));
  }
  return f.tensor_view(name);
}

// convert_hf_to_gguf.py `LlamaModel.permute` reorders the rows of Llama's q and k projections
// (weights and biases) within each head from HF's rotate-half layout [x0..x(d/2-1), y0..y(d/2-1)]
// to GGML's interleaved RoPE layout [x0, y0, x1, y1, ...]:
//   w.reshape(n_head, 2, d/2, ...).swapaxes(1, 2).reshape(w.shape)
// so GGUF row h*d + 2*i + s holds HF row h*d + s*d/2 + i. This undoes it, copying whole rows
// (whole blocks for a quantized type) into a buffer owned by the model.
TensorView unpermute_rows(const TensorView& v, int n_heads, std::vector<std::vector<std::byte>>& owned) {
  const int64_t rows = v.shape[0];
  const size_t row_bytes = v.shape.size() == 1 ? dtype_size_bytes(v.dtype) : v.row_bytes();
  const int64_t head_dim = rows / n_heads;
  const int64_t half = head_dim / 2;
  std::vector<std::byte>& buffer = owned.emplace_back(static_cast<size_t>(rows) * row_bytes);
  for (int64_t h = 0; h < n_heads; ++h) {
    for (int64_t s = 0; s < 2; ++s) {
      for (int64_t i = 0; i < half; ++i) {
        const int64_t hf = h * head_dim + s * half + i;
        const int64_t gguf = h * head_dim + 2 * i + s;
        std::memcpy(buffer.data() + hf * row_bytes, v.data + gguf * row_bytes, row_bytes);
      }
    }
  }
  TensorView out = v;
  out.data = buffer.data();
  return out;
}

}  // namespace

ModelWeights gguf_model_weights(const GgufFile& f, const ModelConfig& c,
                                std::vector<std::vector<std::byte>>& owned) {
  const int64_t hidden = c.hidden_size;
  const int64_t q_dim = int64_t{c.n_heads} * c.head_dim;
  const int64_t kv_dim = int64_t{c.n_kv_heads} * c.head_dim;
  const int64_t inter = c.intermediate_size;
  const bool llama = c.arch == Architecture::kLlama;
  ModelWeights w;
  // Tensor names: llama.cpp gguf-py/gguf/constants.py TENSOR_NAMES (MODEL_TENSOR.TOKEN_EMBD, ...).
  // Shapes are HF order [out, in]; GGUF's ne is the reverse, [in, out].
  w.embed_tokens = require(f, "token_embd.weight", {c.vocab_size, hidden}, Kind::kMatrix);  // [vocab, hidden]
  for (int l = 0; l < c.n_layers; ++l) {
    const std::string p = fmt::format("blk.{}.", l);
    LayerWeights layer;
    layer.input_norm = require(f, p + "attn_norm.weight", {hidden}, Kind::kVector);        // [hidden]
    layer.q_proj = require(f, p + "attn_q.weight", {q_dim, hidden}, Kind::kMatrix);        // [q_dim, hidden]
    layer.k_proj = require(f, p + "attn_k.weight", {kv_dim, hidden}, Kind::kMatrix);       // [kv_dim, hidden]
    layer.v_proj = require(f, p + "attn_v.weight", {kv_dim, hidden}, Kind::kMatrix);       // [kv_dim, hidden]
    if (c.attention_bias) {
      layer.q_bias = require(f, p + "attn_q.bias", {q_dim}, Kind::kVector);                // [q_dim]
      layer.k_bias = require(f, p + "attn_k.bias", {kv_dim}, Kind::kVector);               // [kv_dim]
      layer.v_bias = require(f, p + "attn_v.bias", {kv_dim}, Kind::kVector);               // [kv_dim]
    }
    if (llama) {
      // The converter permutes q with n_head and k with n_head_kv (LlamaModel.modify_tensors).
      layer.q_proj = unpermute_rows(layer.q_proj, c.n_heads, owned);
      layer.k_proj = unpermute_rows(layer.k_proj, c.n_kv_heads, owned);
      if (layer.q_bias) layer.q_bias = unpermute_rows(*layer.q_bias, c.n_heads, owned);
      if (layer.k_bias) layer.k_bias = unpermute_rows(*layer.k_bias, c.n_kv_heads, owned);
    }
    layer.o_proj = require(f, p + "attn_output.weight", {hidden, q_dim}, Kind::kMatrix);   // [hidden, q_dim]
    layer.post_attention_norm = require(f, p + "ffn_norm.weight", {hidden}, Kind::kVector);  // [hidden]
    layer.gate_proj = require(f, p + "ffn_gate.weight", {inter, hidden}, Kind::kMatrix);   // [inter, hidden]
    layer.up_proj = require(f, p + "ffn_up.weight", {inter, hidden}, Kind::kMatrix);       // [inter, hidden]
    layer.down_proj = require(f, p + "ffn_down.weight", {hidden, inter}, Kind::kMatrix);   // [hidden, inter]
    w.layers.push_back(std::move(layer));
  }
  w.final_norm = require(f, "output_norm.weight", {hidden}, Kind::kVector);                // [hidden]
  w.lm_head = c.tie_word_embeddings
                  ? w.embed_tokens
                  : require(f, "output.weight", {c.vocab_size, hidden}, Kind::kMatrix);    // [vocab, hidden]
  return w;
}

}  // namespace boxed::inference::model
