#include "inference/cpu/cpu_step_executor.h"

#include "inference/cpu/forward.h"
#include "inference/cpu/kv_cache.h"

namespace boxed::inference::cpu {
namespace {

class CpuStepExecutor : public scheduler::StepExecutor {
 public:
  CpuStepExecutor(const model::Model& model, Activations activations)
      : model_(model), forward_(model, activations) {}

  int32_t vocab_size() const override { return model_.config().vocab_size; }

  size_t kv_bytes_per_token() const override {
    const model::ModelConfig& c = model_.config();
    return KvCache::bytes_per_block({.n_layers = c.n_layers, .n_kv_heads = c.n_kv_heads,
                                     .head_dim = c.head_dim, .block_size_tokens = 1, .n_blocks = 1});
  }

  void reset_cache(int32_t n_blocks, int32_t block_size_tokens) override {
    const model::ModelConfig& c = model_.config();
    const KvCacheShape shape{.n_layers = c.n_layers, .n_kv_heads = c.n_kv_heads,
                             .head_dim = c.head_dim, .block_size_tokens = block_size_tokens,
                             .n_blocks = n_blocks};
    if (!cache_ || cache_->shape().n_blocks != n_blocks ||
        cache_->shape().block_size_tokens != block_size_tokens) {
      cache_.reset();  // free the old pool before allocating the new one
      cache_ = std::make_unique<KvCache>(shape);
    }
  }

  void execute(const scheduler::StepPlan& plan, std::span<float> logits) override {
    for (const scheduler::BlockCopy& c : plan.copies) cache_->copy_block(c.src, c.dst);
    forward_.run({.tokens = plan.tokens, .positions = plan.positions, .seq_ids = plan.rows,
                  .block_tables = plan.block_tables,
                  .max_blocks_per_seq = plan.max_blocks_per_row,
                  .logit_indices = plan.logit_indices},
                 *cache_, logits);
  }

 private:
  const model::Model& model_;
  CpuForward forward_;
  std::unique_ptr<KvCache> cache_;
};

}  // namespace

std::unique_ptr<scheduler::StepExecutor> make_step_executor(const model::Model& model,
                                                            Activations activations) {
  return std::make_unique<CpuStepExecutor>(model, activations);
}

}  // namespace boxed::inference::cpu
