// The CPU forward pass of a Qwen2 / Llama decoder: fp32 arithmetic over the stored (BF16, F16
// or F32) weights, over a batch of tokens from any number of sequences, with a paged KV cache.
//
//   CpuForward forward(*model);
//   KvCache cache({.n_layers = c.n_layers, .n_kv_heads = c.n_kv_heads, .head_dim = c.head_dim,
//                  .n_blocks = 64});
//   std::vector<int32_t> tokens = {1, 2, 3}, positions = {0, 1, 2}, seq_ids = {0, 0, 0};
//   std::vector<int32_t> table = {0, 1};            // one sequence, blocks 0 and 1
//   std::vector<int32_t> want = {2};                // logits of the last token only
//   std::vector<float> logits(want.size() * c.vocab_size);
//   forward.run({.tokens = tokens, .positions = positions, .seq_ids = seq_ids,
//                .block_tables = table, .max_blocks_per_seq = 2, .logit_indices = want},
//               cache, logits);
//
// Per layer: RMSNorm → q/k/v projections (+bias for Qwen2) → RoPE (rotate-half, llama3
// frequency scaling) → K/V written to the cache → causal grouped-query attention over the cache
// → o_proj + residual → RMSNorm → SiLU-gated MLP + residual; then final RMSNorm and the LM head
// for the rows in logit_indices.
//
// Cache semantics: the token at position p of sequence s writes K and V to block
// block_tables[s * max_blocks_per_seq + p / block_size], slot p % block_size, and attends over
// positions 0..p of s read from the cache — including those written earlier in the same batch.
// Every (sequence, position) of the batch must be distinct; blocks may be shared between
// sequences as long as no two tokens of a batch write the same slot.
//
// Determinism: every output element is computed by exactly one task with a reduction order
// fixed by the code (16-lane partial sums over the inner dimension, combined in a fixed tree;
// attention over positions in ascending order), which never depends on the number of tokens in
// the batch, on which other sequences are in it, or on how oneTBB splits the work. So a token's
// logits are bit-identical whatever the batch composition and thread count (for a given build).
// Not so with Activations::kQ8: steps of fewer than 4 tokens then take the int8 row kernels and
// larger ones the int8 tile kernels, which sum in different orders, so a token's logits depend on
// whether fewer than 4 tokens shared its step (not on which, nor on the thread count).
// oneTBB parallelises across independent output rows (weight rows, tokens, heads) only.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "inference/cpu/kv_cache.h"
#include "inference/cpu/matmul.h"
#include "inference/model/model.h"

namespace boxed::inference::cpu {

struct ForwardBatch {
  std::span<const int32_t> tokens;        // [n_tokens]
  std::span<const int32_t> positions;     // [n_tokens] position of each token within its sequence
  std::span<const int32_t> seq_ids;       // [n_tokens] row of block_tables this token belongs to
  std::span<const int32_t> block_tables;  // [n_seqs, max_blocks_per_seq] physical KV block ids
  int max_blocks_per_seq = 0;
  std::span<const int32_t> logit_indices;  // indices into tokens whose logits are wanted
};

class CpuForward {
 public:
  // activations: what every matmul multiplies GGML blocks with (matmul.h);
  // kQ8 gives up the bit-exactness above for int8 speed (`--cpu-activations q8`).
  explicit CpuForward(const model::Model& model, Activations activations = Activations::kF32);

  // logits: [logit_indices.size(), vocab_size]. Throws std::invalid_argument on an inconsistent
  // batch (lengths, token ids, positions beyond the block table, block ids beyond the cache).
  void run(const ForwardBatch& batch, KvCache& cache, std::span<float> logits);

  const model::ModelConfig& config() const { return model_.config(); }

 private:
  void validate(const ForwardBatch& batch, const KvCache& cache, size_t n_logits) const;

  const model::Model& model_;
  Activations activations_;
  std::vector<float> inv_freq_;  // [head_dim / 2] RoPE inverse frequencies after scaling
};

}  // namespace boxed::inference::cpu
