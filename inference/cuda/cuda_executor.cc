#include "inference/cuda/cuda_executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "inference/cpu/rope.h"
#include "inference/cuda/add.cuh"
#include "inference/cuda/attention.cuh"
#include "inference/cuda/embed.cuh"
#include "inference/cuda/gemm.h"
#include "inference/cuda/kv_layout.h"
#include "inference/cuda/kv_write.cuh"
#include "inference/cuda/quant_matmul.cuh"
#include "inference/cuda/rmsnorm.cuh"
#include "inference/cuda/rope.cuh"
#include "inference/cuda/runtime.h"
#include "inference/cuda/sample.cuh"
#include "inference/cuda/silu_mul.cuh"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

struct Layer {
  DeviceBuffer input_norm, post_attention_norm;  // fp32 [hidden]
  DeviceMatrix q, k, v, o, gate, up, down;
  DeviceBuffer q_bias, k_bias, v_bias;  // fp32, empty when absent
};

// A device buffer that grows to the largest size asked for and is reused across steps.
class Scratch {
 public:
  template <typename T>
  T* get(size_t count) {
    if (buffer_.bytes() < count * sizeof(T)) buffer_ = DeviceBuffer(std::max<size_t>(count * sizeof(T), 256));
    return buffer_.as<T>();
  }

 private:
  DeviceBuffer buffer_;
};

const float* ptr_or_null(const DeviceBuffer& b) { return b.bytes() > 0 ? b.as<float>() : nullptr; }

class CudaExecutor : public scheduler::StepExecutor {
 public:
  explicit CudaExecutor(const model::Model& model) : config_(model.config()) {
    const model::ModelWeights& w = model.weights();
    embed_ = upload_matrix(stream_, w.embed_tokens);
    for (const model::LayerWeights& l : w.layers) {
      Layer d;
      d.input_norm = upload_f32(stream_, l.input_norm);
      d.post_attention_norm = upload_f32(stream_, l.post_attention_norm);
      d.q = upload_matrix(stream_, l.q_proj);
      d.k = upload_matrix(stream_, l.k_proj);
      d.v = upload_matrix(stream_, l.v_proj);
      d.o = upload_matrix(stream_, l.o_proj);
      d.gate = upload_matrix(stream_, l.gate_proj);
      d.up = upload_matrix(stream_, l.up_proj);
      d.down = upload_matrix(stream_, l.down_proj);
      if (l.q_bias) d.q_bias = upload_f32(stream_, *l.q_bias);
      if (l.k_bias) d.k_bias = upload_f32(stream_, *l.k_bias);
      if (l.v_bias) d.v_bias = upload_f32(stream_, *l.v_bias);
      layers_.push_back(std::move(d));
    }
    final_norm_ = upload_f32(stream_, w.final_norm);
    // Tied embeddings: the LM head is the embedding matrix; share its device copy.
    tied_ = w.lm_head.data == w.embed_tokens.data;
    if (!tied_) lm_head_ = upload_matrix(stream_, w.lm_head);
    const std::vector<float> inv_freq = cpu::rope_inv_freq(config_);
    inv_freq_ = DeviceBuffer(inv_freq.size() * sizeof(float));
    stream_.to_device(inv_freq_, inv_freq);
  }

  int32_t vocab_size() const override { return config_.vocab_size; }

  void reset_cache(int32_t n_blocks, int32_t block_size_tokens) override {
    const KvLayout layout{.n_layers = config_.n_layers, .n_kv_heads = config_.n_kv_heads,
                          .head_dim = config_.head_dim, .block_size_tokens = block_size_tokens,
                          .n_blocks = n_blocks};
    if (cache_.bytes() > 0 && layout_.n_blocks == n_blocks &&
        layout_.block_size_tokens == block_size_tokens) {
      return;
    }
    cache_ = DeviceBuffer();  // free the old pool first
    cache_ = DeviceBuffer(layout.floats_per_block() * n_blocks * sizeof(float));
    layout_ = layout;
  }

  void execute(const scheduler::StepPlan& plan, std::span<float> logits) override {
    const int n_out = forward(plan);
    if (logits.size() != static_cast<size_t>(n_out) * config_.vocab_size) {
      throw std::invalid_argument(fmt::format("cuda executor: logits span holds {} floats, expected {} x {}",
                                              logits.size(), n_out, config_.vocab_size));
    }
    stream_.to_host(logits.data(), logits_dev_, logits.size() * sizeof(float));
  }

  bool samples_tokens() const override { return true; }

  void execute_and_sample(const scheduler::StepPlan& plan, std::span<const scheduler::SampleRow> rows,
                          std::span<int32_t> tokens) override {
    const int n_out = forward(plan);
    if (rows.size() != static_cast<size_t>(n_out) || tokens.size() != rows.size()) {
      throw std::invalid_argument(fmt::format(
          "cuda executor: {} logit rows, {} sample rows, {} token slots", n_out, rows.size(),
          tokens.size()));
    }
    if (n_out == 0) return;
    std::vector<SampleParams> params(rows.size());
    for (size_t j = 0; j < rows.size(); ++j) {
      const SamplingParams& s = *rows[j].sampling;
      params[j] = SampleParams{.temperature = s.temperature, .top_k = s.top_k, .top_p = s.top_p,
                               .min_p = s.min_p, .seed = rows[j].seed, .position = rows[j].position};
    }
    SampleParams* params_dev = params_.get<SampleParams>(params.size());
    stream_.to_device(params_dev, params.data(), params.size() * sizeof(SampleParams));
    int32_t* tokens_dev = tokens_.get<int32_t>(tokens.size());
    sample(stream_, logits_dev_, n_out, config_.vocab_size, params_dev,
           weights_.get<double>(static_cast<size_t>(n_out) * config_.vocab_size), tokens_dev);
    stream_.to_host(tokens.data(), tokens_dev, tokens.size() * sizeof(int32_t));
  }

 private:
  // Runs the forward of `plan`; leaves [logit rows, vocab] in logits_dev_ and returns the rows.
  int forward(const scheduler::StepPlan& plan) {
    const model::ModelConfig& c = config_;
    if (cache_.bytes() == 0) throw std::logic_error("cuda executor: execute before reset_cache");
    const size_t fpb = layout_.floats_per_block();
    for (const scheduler::BlockCopy& copy : plan.copies) {
      if (copy.src == copy.dst) continue;
      stream_.on_device(cache_.as<float>() + fpb * copy.dst, cache_.as<float>() + fpb * copy.src,
                        fpb * sizeof(float));
    }
    const int n = static_cast<int>(plan.tokens.size());
    const int n_out = static_cast<int>(plan.logit_indices.size());
    if (n == 0) return 0;
    if (plan.positions.size() != plan.tokens.size() || plan.rows.size() != plan.tokens.size()) {
      throw std::invalid_argument("cuda executor: tokens, positions and rows differ in length");
    }
    const auto upload_ints = [&](Scratch& s, std::span<const int32_t> v) {
      int32_t* d = s.get<int32_t>(std::max<size_t>(v.size(), 1));
      stream_.to_device(d, v.data(), v.size() * sizeof(int32_t));
      return d;
    };
    const int32_t* tokens = upload_ints(tokens_in_, plan.tokens);
    const int32_t* positions = upload_ints(positions_, plan.positions);
    const int32_t* seq_ids = upload_ints(seq_ids_, plan.rows);
    const int32_t* tables = upload_ints(tables_, plan.block_tables);
    const int max_position = *std::max_element(plan.positions.begin(), plan.positions.end());

    const size_t hidden = c.hidden_size, q_dim = size_t(c.n_heads) * c.head_dim;
    const size_t kv_dim = size_t(c.n_kv_heads) * c.head_dim, inter = c.intermediate_size;
    float* x = x_.get<float>(n * hidden);
    float* xn = xn_.get<float>(n * hidden);
    float* q = q_.get<float>(n * q_dim);
    float* k = k_.get<float>(n * kv_dim);
    float* v = v_.get<float>(n * kv_dim);
    float* attn = attn_.get<float>(n * q_dim);
    float* proj = proj_.get<float>(n * hidden);
    float* gate = gate_.get<float>(n * inter);
    float* up = up_.get<float>(n * inter);
    float* scratch = attention_scratch_.get<float>(
        attention_scratch_floats(n, c.n_heads, c.head_dim, max_position));
    float* cache = cache_.as<float>();

    if (embed_.quantized()) {
      embed_quantized(stream_, tokens, n, embed_.data.as<uint8_t>(), embed_.dtype, c.hidden_size, x);
    } else {
      embed(stream_, tokens, n, embed_.data.as<uint16_t>(), c.hidden_size, x);
    }
    for (int l = 0; l < c.n_layers; ++l) {
      const Layer& L = layers_[l];
      rmsnorm(stream_, x, n, L.input_norm.as<float>(), c.hidden_size, c.rms_norm_eps, xn);
      matmul(xn, n, L.q, ptr_or_null(L.q_bias), q);
      matmul(xn, n, L.k, ptr_or_null(L.k_bias), k);
      matmul(xn, n, L.v, ptr_or_null(L.v_bias), v);
      apply_rope(stream_, q, n, c.n_heads, c.head_dim, positions, inv_freq_.as<float>());
      apply_rope(stream_, k, n, c.n_kv_heads, c.head_dim, positions, inv_freq_.as<float>());
      kv_write(stream_, k, v, n, positions, seq_ids, tables, plan.max_blocks_per_row, layout_, l,
               cache);
      attention(stream_, q, n, c.n_heads, positions, seq_ids, tables, plan.max_blocks_per_row,
                cache, layout_, l, max_position, scratch, attn);
      matmul(attn, n, L.o, nullptr, proj);
      add(stream_, x, proj, n * hidden);
      rmsnorm(stream_, x, n, L.post_attention_norm.as<float>(), c.hidden_size, c.rms_norm_eps, xn);
      matmul(xn, n, L.gate, nullptr, gate);
      matmul(xn, n, L.up, nullptr, up);
      silu_mul(stream_, gate, up, n * inter, gate);
      matmul(gate, n, L.down, nullptr, proj);
      add(stream_, x, proj, n * hidden);
    }
    if (n_out == 0) return 0;
    float* selected = selected_.get<float>(n_out * hidden);
    for (int i = 0; i < n_out; ++i) {
      const int32_t row = plan.logit_indices[i];
      if (row < 0 || row >= n) {
        throw std::invalid_argument(fmt::format("cuda executor: logit index {} outside 0..{}", row, n - 1));
      }
      stream_.on_device(selected + i * hidden, x + row * hidden, hidden * sizeof(float));
    }
    rmsnorm(stream_, selected, n_out, final_norm_.as<float>(), c.hidden_size, c.rms_norm_eps, xn);
    logits_dev_ = logits_.get<float>(size_t(n_out) * c.vocab_size);
    matmul(xn, n_out, tied_ ? embed_ : lm_head_, nullptr, logits_dev_);
    return n_out;
  }

  // y = x · Wᵀ (+ bias) by W's storage: cuBLASLt for bf16, the block-decoding kernel for GGUF.
  void matmul(const float* x, int n, const DeviceMatrix& w, const float* bias, float* y) {
    if (w.quantized()) {
      quant_matmul(stream_, x, n, w.data.as<uint8_t>(), w.dtype, w.rows, w.cols, bias, y);
    } else {
      gemm_.matmul(stream_, x, n, w, bias, y);
    }
  }

  model::ModelConfig config_;
  Stream stream_;
  Gemm gemm_;
  DeviceMatrix embed_, lm_head_;
  bool tied_ = false;
  std::vector<Layer> layers_;
  DeviceBuffer final_norm_, inv_freq_, cache_;
  KvLayout layout_;
  Scratch tokens_in_, positions_, seq_ids_, tables_, x_, xn_, q_, k_, v_, attn_, proj_, gate_, up_;
  Scratch attention_scratch_, selected_, logits_, params_, tokens_, weights_;
  float* logits_dev_ = nullptr;
};

}  // namespace

std::unique_ptr<scheduler::StepExecutor> make_executor(const model::Model& model) {
  return std::make_unique<CudaExecutor>(model);
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
