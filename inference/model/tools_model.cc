// The model and forward tools of inference/tools.h.
#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "inference/cpu/forward.h"
#include "inference/model/model.h"
#include "inference/model/tiny_model.h"
#include "inference/tokenizer/tiny_tokenizer.h"
#include "inference/tokenizer/tokenizer.h"
#include "inference/tools.h"

namespace boxed::inference {

void make_tiny_model(const std::string& dir, const std::string& arch, uint64_t seed) {
  model::Architecture a;
  if (arch == "qwen2") {
    a = model::Architecture::kQwen2;
  } else if (arch == "llama") {
    a = model::Architecture::kLlama;
  } else {
    throw std::invalid_argument(fmt::format("--arch: expected qwen2 or llama, found '{}'", arch));
  }
  model::write_tiny_model(dir, a, seed, tokenizer::make_tiny_tokenizer_json());
}

std::vector<float> last_token_logits(const std::string& model_dir, std::span<const int32_t> tokens) {
  if (tokens.empty()) throw std::invalid_argument("last_token_logits: no tokens");
  const std::unique_ptr<model::Model> m = model::Model::load(model_dir);
  const model::ModelConfig& c = m->config();
  constexpr int kBlockSize = 16;
  const int n = static_cast<int>(tokens.size());
  const int n_blocks = (n + kBlockSize - 1) / kBlockSize;
  cpu::KvCache cache({.n_layers = c.n_layers, .n_kv_heads = c.n_kv_heads, .head_dim = c.head_dim,
                      .block_size_tokens = kBlockSize, .n_blocks = n_blocks});
  std::vector<int32_t> positions(n), seq_ids(n, 0), table(n_blocks);
  for (int i = 0; i < n; ++i) positions[i] = i;
  for (int i = 0; i < n_blocks; ++i) table[i] = i;
  const std::vector<int32_t> wanted = {n - 1};
  std::vector<float> logits(c.vocab_size);
  cpu::CpuForward forward(*m);
  forward.run({.tokens = tokens, .positions = positions, .seq_ids = seq_ids, .block_tables = table,
               .max_blocks_per_seq = n_blocks, .logit_indices = wanted},
              cache, logits);
  return logits;
}

void token_logits(const std::string& model_dir, std::span<const int32_t> tokens, bool all_positions,
                  const std::function<void(int, std::span<const float>)>& on_logits) {
  if (tokens.empty()) throw std::invalid_argument("token_logits: no tokens");
  const std::unique_ptr<model::Model> m = model::Model::load(model_dir);
  const model::ModelConfig& c = m->config();
  constexpr int kBlockSize = 16;
  constexpr int kChunk = 64;  // positions per forward call (prefill in chunks over one cache)
  const int n = static_cast<int>(tokens.size());
  const int n_blocks = (n + kBlockSize - 1) / kBlockSize;
  cpu::KvCache cache({.n_layers = c.n_layers, .n_kv_heads = c.n_kv_heads, .head_dim = c.head_dim,
                      .block_size_tokens = kBlockSize, .n_blocks = n_blocks});
  std::vector<int32_t> table(n_blocks);
  for (int i = 0; i < n_blocks; ++i) table[i] = i;
  cpu::CpuForward forward(*m);
  std::vector<float> logits;
  for (int begin = 0; begin < n; begin += kChunk) {
    const int end = std::min(n, begin + kChunk);
    std::vector<int32_t> positions, seq_ids(end - begin, 0), wanted;
    for (int p = begin; p < end; ++p) {
      positions.push_back(p);
      if (all_positions || p == n - 1) wanted.push_back(p - begin);
    }
    logits.assign(wanted.size() * static_cast<size_t>(c.vocab_size), 0.0f);
    forward.run({.tokens = tokens.subspan(begin, end - begin), .positions = positions,
                 .seq_ids = seq_ids, .block_tables = table, .max_blocks_per_seq = n_blocks,
                 .logit_indices = wanted},
                cache, logits);
    for (size_t i = 0; i < wanted.size(); ++i) {
      on_logits(begin + wanted[i],
                std::span<const float>(logits).subspan(i * c.vocab_size, c.vocab_size));
    }
  }
}

std::vector<int32_t> encode_text_for_model(const std::string& model_dir, const std::string& text) {
  return tokenizer::Tokenizer::load(model_dir).encode(text, /*parse_special=*/true);
}

}  // namespace boxed::inference
