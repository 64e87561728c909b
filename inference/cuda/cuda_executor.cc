#include "inference/cuda/cuda_executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <compare>
#include <map>
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

// A device buffer that grows to the largest size asked for and is reused across steps. Growing
// moves it, which makes every captured graph that used the old address stale: `generation`
// (shared by all of an executor's scratch buffers) counts the moves.
class Scratch {
 public:
  explicit Scratch(uint64_t* generation) : generation_(generation) {}
  template <typename T>
  T* get(size_t count) {
    if (buffer_.bytes() < count * sizeof(T)) {
      buffer_ = DeviceBuffer();  // free first: the pool may not hold both
      buffer_ = DeviceBuffer(std::max<size_t>(count * sizeof(T), 256));
      ++*generation_;
    }
    return buffer_.as<T>();
  }

 private:
  DeviceBuffer buffer_;
  uint64_t* generation_;
};

const float* ptr_or_null(const DeviceBuffer& b) { return b.bytes() > 0 ? b.as<float>() : nullptr; }

int next_power_of_two(int v) {
  int p = 1;
  while (p < v) p *= 2;
  return p;
}

// What the layer kernels read of a step, in device memory.
struct StepInputs {
  const int32_t* tokens;
  const int32_t* positions;
  const int32_t* seq_ids;
  const int32_t* tables;
  int n;                   // tokens (= rows of the batch)
  int table_width;         // blocks per table row
  int max_position;        // attention splits cover 0..max_position
};

// The shape of a bucketed decode step (see execute_bucketed) and its graph.
struct BucketKey {
  int rows, table_width;
  bool sample;
  auto operator<=>(const BucketKey&) const = default;
};
struct Bucket {
  Graph graph;
  uint64_t warm_generation = ~uint64_t{0};  // buffers' generation after this shape last ran plainly
  uint64_t graph_generation = 0;            // the generation the graph was captured at
};

class CudaExecutor : public scheduler::StepExecutor {
 public:
  CudaExecutor(const model::Model& model, const ExecutorOptions& options)
      : config_(model.config()), options_(options) {
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

  size_t kv_bytes_per_token() const override { return layout(1, 1).bytes_per_token(); }

  void reset_cache(int32_t n_blocks, int32_t block_size_tokens) override {
    // One block more than asked: the spare block the padding rows of bucketed steps write to,
    // which the scheduler never hands out.
    const KvLayout new_layout = layout(n_blocks + 1, block_size_tokens);
    if (cache_.bytes() > 0 && layout_.n_blocks == new_layout.n_blocks &&
        layout_.block_size_tokens == block_size_tokens) {
      return;
    }
    cache_ = DeviceBuffer();  // free the old pool first
    cache_ = DeviceBuffer(new_layout.bytes_per_block() * new_layout.n_blocks);
    layout_ = new_layout;
    spare_block_ = n_blocks;
    buckets_.clear();  // their graphs address the old pool
  }

  void execute(const scheduler::StepPlan& plan, std::span<float> logits) override {
    const int n_out = static_cast<int>(plan.logit_indices.size());
    if (logits.size() != static_cast<size_t>(n_out) * config_.vocab_size) {
      throw std::invalid_argument(fmt::format("cuda executor: logits span holds {} floats, expected {} x {}",
                                              logits.size(), n_out, config_.vocab_size));
    }
    if (bucketed(plan)) {
      execute_bucketed(plan, {});
    } else if (forward(plan) == 0) {
      return;
    }
    stream_.to_host(logits.data(), logits_dev_, logits.size() * sizeof(float));
  }

  bool samples_tokens() const override { return true; }

  void execute_and_sample(const scheduler::StepPlan& plan, std::span<const scheduler::SampleRow> rows,
                          std::span<int32_t> tokens) override {
    const size_t n_out = plan.logit_indices.size();
    if (rows.size() != n_out || tokens.size() != rows.size()) {
      throw std::invalid_argument(fmt::format(
          "cuda executor: {} logit rows, {} sample rows, {} token slots", n_out, rows.size(),
          tokens.size()));
    }
    std::vector<SampleParams> params(rows.size());
    for (size_t j = 0; j < rows.size(); ++j) {
      const SamplingParams& s = *rows[j].sampling;
      params[j] = SampleParams{.temperature = s.temperature, .top_k = s.top_k, .top_p = s.top_p,
                               .min_p = s.min_p, .seed = rows[j].seed, .position = rows[j].position};
    }
    int32_t* tokens_dev = nullptr;
    if (bucketed(plan)) {
      tokens_dev = execute_bucketed(plan, params);
    } else {
      if (forward(plan) == 0) return;
      SampleParams* params_dev = params_.get<SampleParams>(params.size());
      stream_.to_device(params_dev, params.data(), params.size() * sizeof(SampleParams));
      tokens_dev = tokens_.get<int32_t>(tokens.size());
      sample(stream_, logits_dev_, static_cast<int>(n_out), config_.vocab_size, params_dev,
             weights_.get<double>(n_out * config_.vocab_size), tokens_dev);
    }
    stream_.to_host(tokens.data(), tokens_dev, tokens.size() * sizeof(int32_t));
  }

 private:
  static constexpr int kMaxBucketRows = 256;
  static constexpr int kMinTableWidth = 16;

  KvLayout layout(int32_t n_blocks, int32_t block_size_tokens) const {
    return KvLayout{.n_layers = config_.n_layers, .n_kv_heads = config_.n_kv_heads,
                    .head_dim = config_.head_dim, .block_size_tokens = block_size_tokens,
                    .n_blocks = n_blocks, .dtype = options_.kv_dtype};
  }

  void check_plan(const scheduler::StepPlan& plan) const {
    if (cache_.bytes() == 0) throw std::logic_error("cuda executor: execute before reset_cache");
    if (plan.positions.size() != plan.tokens.size() || plan.rows.size() != plan.tokens.size()) {
      throw std::invalid_argument("cuda executor: tokens, positions and rows differ in length");
    }
    for (const int32_t row : plan.logit_indices) {
      if (row < 0 || static_cast<size_t>(row) >= plan.tokens.size()) {
        throw std::invalid_argument(fmt::format("cuda executor: logit index {} outside 0..{}", row,
                                                static_cast<int>(plan.tokens.size()) - 1));
      }
    }
  }

  void copy_blocks(const scheduler::StepPlan& plan) {
    const size_t bytes = layout_.bytes_per_block();
    for (const scheduler::BlockCopy& copy : plan.copies) {
      if (copy.src == copy.dst) continue;
      stream_.on_device(cache_.as<uint8_t>() + bytes * copy.dst, cache_.as<uint8_t>() + bytes * copy.src,
                        bytes);
    }
  }

  // A decode step of up to kMaxBucketRows rows, each one token whose logits are wanted in row
  // order: the steps that make up nearly all of a long generation.
  bool bucketed(const scheduler::StepPlan& plan) const {
    const size_t n = plan.tokens.size();
    if (!options_.bucketed_steps || n == 0 || n > kMaxBucketRows || plan.logit_indices.size() != n) {
      return false;
    }
    for (size_t i = 0; i < n; ++i) {
      if (plan.logit_indices[i] != static_cast<int32_t>(i)) return false;
    }
    std::vector<bool> seen(n, false);
    for (const int32_t row : plan.rows) {  // one token per table row
      if (row < 0 || static_cast<size_t>(row) >= n || seen[row]) return false;
      seen[row] = true;
    }
    return true;
  }

  // Runs the forward of any plan with plain launches; leaves [logit rows, vocab] in logits_dev_
  // and returns the rows.
  int forward(const scheduler::StepPlan& plan) {
    check_plan(plan);
    copy_blocks(plan);
    const int n = static_cast<int>(plan.tokens.size());
    const int n_out = static_cast<int>(plan.logit_indices.size());
    if (n == 0) return 0;
    const auto upload_ints = [&](Scratch& s, std::span<const int32_t> v) {
      int32_t* d = s.get<int32_t>(std::max<size_t>(v.size(), 1));
      stream_.to_device(d, v.data(), v.size() * sizeof(int32_t));
      return d;
    };
    const StepInputs in{.tokens = upload_ints(tokens_in_, plan.tokens),
                        .positions = upload_ints(positions_, plan.positions),
                        .seq_ids = upload_ints(seq_ids_, plan.rows),
                        .tables = upload_ints(tables_, plan.block_tables),
                        .n = n,
                        .table_width = plan.max_blocks_per_row,
                        .max_position = *std::max_element(plan.positions.begin(), plan.positions.end())};
    float* x = layers(in);
    if (n_out == 0) return 0;
    const size_t hidden = config_.hidden_size;
    float* selected = selected_.get<float>(n_out * hidden);
    for (int i = 0; i < n_out; ++i) {
      stream_.on_device(selected + i * hidden, x + plan.logit_indices[i] * hidden, hidden * sizeof(float));
    }
    head(selected, n_out);
    return n_out;
  }

  // A bucketed step (bucketed()) in a fixed shape: rows padded to the next power of two, table
  // rows to the next power of two of at least 16 blocks, attention over the table's whole
  // capacity (splits past a row's position are empty and skipped by the merge). Padding rows are
  // token 0 at position 0 writing to the spare block. Each shape runs plainly once (which sizes
  // every buffer), then is captured as a CUDA graph and replayed (Graph: plain launches in
  // emulation), until a buffer moves. Results are those of forward() bit for bit: every kernel
  // treats rows independently. Returns the device tokens when `params` (one per row) is given.
  int32_t* execute_bucketed(const scheduler::StepPlan& plan, std::span<const SampleParams> params) {
    check_plan(plan);
    copy_blocks(plan);
    const int n = static_cast<int>(plan.tokens.size());
    const int rows = next_power_of_two(n);
    const int width = std::max(kMinTableWidth, next_power_of_two(plan.max_blocks_per_row));
    const bool sampling = !params.empty();
    // Padded inputs: row i of the bucket is token i, reading table row plan.rows[i].
    step_tokens_.assign(rows, 0);
    step_positions_.assign(rows, 0);
    step_seq_ids_.resize(rows);
    step_tables_.assign(static_cast<size_t>(rows) * width, spare_block_);
    for (int i = 0; i < rows; ++i) step_seq_ids_[i] = i;
    for (int i = 0; i < n; ++i) {
      step_tokens_[i] = plan.tokens[i];
      step_positions_[i] = plan.positions[i];
      const int32_t* src = plan.block_tables.data() + static_cast<size_t>(plan.rows[i]) * plan.max_blocks_per_row;
      std::copy(src, src + plan.max_blocks_per_row, step_tables_.begin() + static_cast<ptrdiff_t>(i) * width);
    }
    const auto upload = [&](Scratch& s, const std::vector<int32_t>& v) {
      int32_t* d = s.get<int32_t>(v.size());
      stream_.to_device(d, v.data(), v.size() * sizeof(int32_t));
      return d;
    };
    const StepInputs in{.tokens = upload(tokens_in_, step_tokens_),
                        .positions = upload(positions_, step_positions_),
                        .seq_ids = upload(seq_ids_, step_seq_ids_),
                        .tables = upload(tables_, step_tables_),
                        .n = rows,
                        .table_width = width,
                        .max_position = width * layout_.block_size_tokens - 1};
    SampleParams* params_dev = nullptr;
    int32_t* tokens_dev = nullptr;
    if (sampling) {
      std::vector<SampleParams> padded(params.begin(), params.end());
      padded.resize(rows);  // padding rows: greedy
      params_dev = params_.get<SampleParams>(rows);
      stream_.to_device(params_dev, padded.data(), padded.size() * sizeof(SampleParams));
      tokens_dev = tokens_.get<int32_t>(rows);
    }
    const auto body = [&] {
      head(layers(in), rows);
      if (sampling) {
        sample(stream_, logits_dev_, rows, config_.vocab_size, params_dev,
               weights_.get<double>(static_cast<size_t>(rows) * config_.vocab_size), tokens_dev);
      }
    };
    Bucket& bucket = buckets_[BucketKey{rows, width, sampling}];
    const uint64_t generation = buffer_generation();
    if (bucket.graph.captured() && bucket.graph_generation != generation) bucket.graph.reset();
    if (bucket.graph.captured() || bucket.warm_generation == generation) {
      bucket.graph.run(stream_, body);
      bucket.graph_generation = generation;
    } else {
      body();  // sizes every buffer this shape needs
      bucket.warm_generation = buffer_generation();
    }
    return tokens_dev;
  }

  uint64_t buffer_generation() const { return scratch_generation_ + gemm_.buffer_generation(); }

  // Embedding and the decoder layers over `in`; returns the hidden states [n, hidden].
  float* layers(const StepInputs& in) {
    const model::ModelConfig& c = config_;
    const int n = in.n;
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
        attention_scratch_floats(n, c.n_heads, c.head_dim, in.max_position));
    void* cache = cache_.get();

    if (embed_.quantized()) {
      embed_quantized(stream_, in.tokens, n, embed_.data.as<uint8_t>(), embed_.dtype, c.hidden_size, x);
    } else {
      embed(stream_, in.tokens, n, embed_.data.as<uint16_t>(), c.hidden_size, x);
    }
    for (int l = 0; l < c.n_layers; ++l) {
      const Layer& L = layers_[l];
      rmsnorm(stream_, x, n, L.input_norm.as<float>(), c.hidden_size, c.rms_norm_eps, xn);
      matmul(xn, n, L.q, ptr_or_null(L.q_bias), q);
      matmul(xn, n, L.k, ptr_or_null(L.k_bias), k);
      matmul(xn, n, L.v, ptr_or_null(L.v_bias), v);
      apply_rope(stream_, q, n, c.n_heads, c.head_dim, in.positions, inv_freq_.as<float>());
      apply_rope(stream_, k, n, c.n_kv_heads, c.head_dim, in.positions, inv_freq_.as<float>());
      kv_write(stream_, k, v, n, in.positions, in.seq_ids, in.tables, in.table_width, layout_, l,
               cache);
      attention(stream_, q, n, c.n_heads, in.positions, in.seq_ids, in.tables, in.table_width,
                cache, layout_, l, in.max_position, scratch, attn);
      matmul(attn, n, L.o, nullptr, proj);
      add(stream_, x, proj, n * hidden);
      rmsnorm(stream_, x, n, L.post_attention_norm.as<float>(), c.hidden_size, c.rms_norm_eps, xn);
      matmul(xn, n, L.gate, nullptr, gate);
      matmul(xn, n, L.up, nullptr, up);
      silu_mul(stream_, gate, up, n * inter, gate);
      matmul(gate, n, L.down, nullptr, proj);
      add(stream_, x, proj, n * hidden);
    }
    return x;
  }

  // Final norm and LM head of `rows` hidden states; the logits land in logits_dev_.
  void head(const float* hidden_states, int rows) {
    const model::ModelConfig& c = config_;
    float* xn = xn_.get<float>(static_cast<size_t>(rows) * c.hidden_size);
    rmsnorm(stream_, hidden_states, rows, final_norm_.as<float>(), c.hidden_size, c.rms_norm_eps, xn);
    logits_dev_ = logits_.get<float>(size_t(rows) * c.vocab_size);
    matmul(xn, rows, tied_ ? embed_ : lm_head_, nullptr, logits_dev_);
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
  ExecutorOptions options_;
  Stream stream_;
  Gemm gemm_;
  DeviceMatrix embed_, lm_head_;
  bool tied_ = false;
  std::vector<Layer> layers_;
  DeviceBuffer final_norm_, inv_freq_, cache_;
  KvLayout layout_;
  int32_t spare_block_ = 0;
  uint64_t scratch_generation_ = 0;
  Scratch tokens_in_{&scratch_generation_}, positions_{&scratch_generation_},
      seq_ids_{&scratch_generation_}, tables_{&scratch_generation_}, x_{&scratch_generation_},
      xn_{&scratch_generation_}, q_{&scratch_generation_}, k_{&scratch_generation_},
      v_{&scratch_generation_}, attn_{&scratch_generation_}, proj_{&scratch_generation_},
      gate_{&scratch_generation_}, up_{&scratch_generation_}, attention_scratch_{&scratch_generation_},
      selected_{&scratch_generation_}, logits_{&scratch_generation_}, params_{&scratch_generation_},
      tokens_{&scratch_generation_}, weights_{&scratch_generation_};
  float* logits_dev_ = nullptr;
  std::map<BucketKey, Bucket> buckets_;
  std::vector<int32_t> step_tokens_, step_positions_, step_seq_ids_, step_tables_;  // host staging
};

}  // namespace

std::unique_ptr<scheduler::StepExecutor> make_executor(const model::Model& model,
                                                       const ExecutorOptions& options) {
  return std::make_unique<CudaExecutor>(model, options);
}

std::unique_ptr<scheduler::StepExecutor> make_executor(const model::Model& model) {
  return make_executor(model, ExecutorOptions{});
}

std::unique_ptr<scheduler::StepExecutor> make_executor(const model::Model& model, KvDtype kv_dtype) {
  return make_executor(model, ExecutorOptions{.kv_dtype = kv_dtype});
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
