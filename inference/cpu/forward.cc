#include "inference/cpu/forward.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "inference/cpu/attention.h"
#include "inference/cpu/embedding.h"
#include "inference/cpu/matmul.h"
#include "inference/cpu/parallel.h"
#include "inference/cpu/rmsnorm.h"
#include "inference/cpu/rope.h"
#include "inference/cpu/silu_mul.h"

namespace boxed::inference::cpu {
namespace {

const model::TensorView* optional_ptr(const std::optional<model::TensorView>& t) {
  return t ? &*t : nullptr;
}

}  // namespace

CpuForward::CpuForward(const model::Model& model, Activations activations)
    : model_(model), activations_(activations), inv_freq_(rope_inv_freq(model.config())) {}

void CpuForward::validate(const ForwardBatch& b, const KvCache& cache, size_t n_logits) const {
  const model::ModelConfig& c = model_.config();
  const KvCacheShape& s = cache.shape();
  const size_t n = b.tokens.size();
  if (s.n_layers != c.n_layers || s.n_kv_heads != c.n_kv_heads || s.head_dim != c.head_dim) {
    throw std::invalid_argument(fmt::format(
        "CpuForward: KV cache has {} layers, {} KV heads, head_dim {}; the model needs {}, {}, {}",
        s.n_layers, s.n_kv_heads, s.head_dim, c.n_layers, c.n_kv_heads, c.head_dim));
  }
  if (b.positions.size() != n || b.seq_ids.size() != n) {
    throw std::invalid_argument(fmt::format(
        "CpuForward: {} tokens but {} positions and {} seq_ids", n, b.positions.size(), b.seq_ids.size()));
  }
  if (b.max_blocks_per_seq <= 0 || b.block_tables.size() % b.max_blocks_per_seq != 0) {
    throw std::invalid_argument(fmt::format(
        "CpuForward: block_tables has {} entries, not a multiple of max_blocks_per_seq {}",
        b.block_tables.size(), b.max_blocks_per_seq));
  }
  const size_t n_seqs = b.block_tables.size() / b.max_blocks_per_seq;
  for (size_t i = 0; i < n; ++i) {
    if (b.tokens[i] < 0 || b.tokens[i] >= c.vocab_size) {
      throw std::invalid_argument(fmt::format("CpuForward: token {} at index {} outside the vocabulary 0..{}",
                                              b.tokens[i], i, c.vocab_size - 1));
    }
    if (b.seq_ids[i] < 0 || static_cast<size_t>(b.seq_ids[i]) >= n_seqs) {
      throw std::invalid_argument(fmt::format("CpuForward: seq_id {} at index {} outside 0..{}",
                                              b.seq_ids[i], i, n_seqs - 1));
    }
    const int64_t p = b.positions[i];
    if (p < 0 || p / s.block_size_tokens >= b.max_blocks_per_seq) {
      throw std::invalid_argument(fmt::format(
          "CpuForward: position {} at index {} does not fit {} blocks of {} tokens", p, i,
          b.max_blocks_per_seq, s.block_size_tokens));
    }
    const int32_t* table = b.block_tables.data() + b.seq_ids[i] * size_t(b.max_blocks_per_seq);
    for (int64_t blk = 0; blk <= p / s.block_size_tokens; ++blk) {
      if (table[blk] < 0 || table[blk] >= s.n_blocks) {
        throw std::invalid_argument(fmt::format(
            "CpuForward: sequence {} block {} is {}, outside the cache's 0..{}", b.seq_ids[i], blk,
            table[blk], s.n_blocks - 1));
      }
    }
  }
  // Two tokens writing one physical KV slot would race and corrupt a shared block.
  std::vector<int64_t> slots(n);
  for (size_t i = 0; i < n; ++i) {
    const int32_t* table = b.block_tables.data() + b.seq_ids[i] * size_t(b.max_blocks_per_seq);
    slots[i] = int64_t{table[b.positions[i] / s.block_size_tokens]} * s.block_size_tokens +
               b.positions[i] % s.block_size_tokens;
  }
  std::sort(slots.begin(), slots.end());
  for (size_t i = 1; i < n; ++i) {
    if (slots[i] == slots[i - 1]) {
      throw std::invalid_argument(fmt::format(
          "CpuForward: two tokens of the batch write KV block {} slot {}",
          slots[i] / s.block_size_tokens, slots[i] % s.block_size_tokens));
    }
  }
  for (int32_t index : b.logit_indices) {
    if (index < 0 || static_cast<size_t>(index) >= n) {
      throw std::invalid_argument(fmt::format("CpuForward: logit index {} outside 0..{}", index, n - 1));
    }
  }
  if (n_logits != b.logit_indices.size() * static_cast<size_t>(c.vocab_size)) {
    throw std::invalid_argument(fmt::format("CpuForward: logits span holds {} floats, expected {} x {}",
                                            n_logits, b.logit_indices.size(), c.vocab_size));
  }
}

void CpuForward::run(const ForwardBatch& b, KvCache& cache, std::span<float> logits) {
  validate(b, cache, logits.size());
  const model::ModelConfig& c = model_.config();
  const model::ModelWeights& w = model_.weights();
  const int n = static_cast<int>(b.tokens.size());
  if (n == 0) return;
  const size_t hidden = c.hidden_size;
  const size_t q_dim = size_t(c.n_heads) * c.head_dim;
  const size_t kv_dim = size_t(c.n_kv_heads) * c.head_dim;
  const size_t inter = c.intermediate_size;
  const int block_size = cache.shape().block_size_tokens;

  std::vector<float> x(n * hidden), xn(n * hidden), q(n * q_dim), k(n * kv_dim), v(n * kv_dim);
  std::vector<float> attn(n * q_dim), proj(n * hidden), gate(n * inter), up(n * inter);
  const auto table_of = [&](int t) {
    return b.block_tables.subspan(size_t(b.seq_ids[t]) * b.max_blocks_per_seq, b.max_blocks_per_seq);
  };

  embed(b.tokens, w.embed_tokens, x.data());
  for (int l = 0; l < c.n_layers; ++l) {
    const model::LayerWeights& layer = w.layers[l];
    rmsnorm(x.data(), n, layer.input_norm, c.rms_norm_eps, xn.data());
    matmul(xn.data(), n, layer.q_proj, optional_ptr(layer.q_bias), q.data(), activations_);
    matmul(xn.data(), n, layer.k_proj, optional_ptr(layer.k_bias), k.data(), activations_);
    matmul(xn.data(), n, layer.v_proj, optional_ptr(layer.v_bias), v.data(), activations_);
    // RoPE, then K and V into the cache: each token owns its slot, so tokens run in parallel.
    parallel_items(n, grain_for(size_t(c.n_heads + 2 * c.n_kv_heads) * c.head_dim * 4), [&](int t) {
      for (int h = 0; h < c.n_heads; ++h) {
        apply_rope(&q[t * q_dim + size_t(h) * c.head_dim], c.head_dim, b.positions[t], inv_freq_.data());
      }
      const int p = b.positions[t];
      const int block = table_of(t)[p / block_size];
      const size_t slot = size_t(p % block_size) * c.head_dim;
      for (int h = 0; h < c.n_kv_heads; ++h) {
        float* kh = &k[t * kv_dim + size_t(h) * c.head_dim];
        apply_rope(kh, c.head_dim, p, inv_freq_.data());
        std::copy_n(kh, c.head_dim, cache.key(block, l, h) + slot);
        std::copy_n(&v[t * kv_dim + size_t(h) * c.head_dim], c.head_dim, cache.value(block, l, h) + slot);
      }
    });
    // Attention reads the whole batch's writes above: one task per (token, KV head), all its
    // query heads together (each key and value row read once for them).
    const KvCache& cache_view = cache;
    int64_t positions_sum = 0;
    for (int32_t p : b.positions) positions_sum += p + 1;
    const size_t work_per_group =
        2 * static_cast<size_t>(positions_sum / n) * c.head_dim * (c.n_heads / c.n_kv_heads);
    parallel_items(n * c.n_kv_heads, grain_for(work_per_group), [&](int task) {
      const int t = task / c.n_kv_heads;
      const int g = task % c.n_kv_heads;
      attend_group(&q[t * q_dim], g, c.n_heads, cache_view, l, table_of(t), b.positions[t], &attn[t * q_dim]);
    });
    matmul(attn.data(), n, layer.o_proj, nullptr, proj.data(), activations_);
    for (size_t i = 0; i < x.size(); ++i) x[i] += proj[i];

    rmsnorm(x.data(), n, layer.post_attention_norm, c.rms_norm_eps, xn.data());
    matmul(xn.data(), n, layer.gate_proj, nullptr, gate.data(), activations_);
    matmul(xn.data(), n, layer.up_proj, nullptr, up.data(), activations_);
    silu_mul(gate.data(), up.data(), gate.size(), gate.data());
    matmul(gate.data(), n, layer.down_proj, nullptr, proj.data(), activations_);
    for (size_t i = 0; i < x.size(); ++i) x[i] += proj[i];
  }

  // Final norm and LM head only for the rows whose logits are wanted.
  const int n_out = static_cast<int>(b.logit_indices.size());
  if (n_out == 0) return;
  std::vector<float> selected(n_out * hidden);
  for (int i = 0; i < n_out; ++i) {
    std::copy_n(&x[size_t(b.logit_indices[i]) * hidden], hidden, &selected[i * hidden]);
  }
  std::vector<float> normed(n_out * hidden);
  rmsnorm(selected.data(), n_out, w.final_norm, c.rms_norm_eps, normed.data());
  matmul(normed.data(), n_out, w.lm_head, nullptr, logits.data(), activations_);
}

}  // namespace boxed::inference::cpu
