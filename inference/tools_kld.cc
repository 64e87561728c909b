// score_kl_divergence of inference/tools.h: two CPU forwards over the same chunks.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "inference/cpu/sequence_logits.h"
#include "inference/model/model.h"
#include "inference/tokenizer/tokenizer.h"
#include "inference/tools.h"

namespace boxed::inference {
namespace {

// BOS goes first when the base's tokenizer says so — a GGUF file's tokenizer.ggml.add_bos_token
// (what llama-perplexity reads through llama_vocab_get_add_bos), or tokenizer_config.json's
// "add_bos_token" for a directory (transformers' convention; Llama / R1-Distill say true,
// Qwen2.5 has no BOS) — and the tokenizer knows its id.
std::optional<int32_t> bos_to_add(const tokenizer::Tokenizer& tok) {
  if (!tok.add_bos()) return std::nullopt;
  return tok.bos_id();
}

void check_same_vocabulary(const KldRequest& r, const model::Model& base, const model::Model& cand,
                           const tokenizer::Tokenizer& base_tok) {
  const int vb = base.config().vocab_size, vc = cand.config().vocab_size;
  if (vb != vc) {
    throw std::invalid_argument(fmt::format(
        "kld: the vocabularies differ: {} has {} logits per token, {} has {}", r.base_model, vb,
        r.candidate_model, vc));
  }
  std::optional<tokenizer::Tokenizer> cand_tok;
  try {
    cand_tok = tokenizer::Tokenizer::load(r.candidate_model);
  } catch (const std::exception&) {
    return;  // no tokenizer beside the candidate's weights: the logit count is all there is
  }
  if (cand_tok->vocab_size() != base_tok.vocab_size()) {
    throw std::invalid_argument(fmt::format(
        "kld: the vocabularies differ: {}'s tokenizer has {} tokens, {}'s has {}", r.base_model,
        base_tok.vocab_size(), r.candidate_model, cand_tok->vocab_size()));
  }
  for (int32_t id = 0; id < base_tok.vocab_size(); ++id) {
    std::string a, b;
    try {
      a = base_tok.token_text(id);
    } catch (const std::out_of_range&) {
    }
    try {
      b = cand_tok->token_text(id);
    } catch (const std::out_of_range&) {
    }
    if (a != b) {
      throw std::invalid_argument(fmt::format(
          "kld: the vocabularies differ at token {}: '{}' in {}, '{}' in {}", id, a, r.base_model,
          b, r.candidate_model));
    }
  }
}

// The logits [wanted.size(), vocab] of `tokens` run from position 0 in a fresh cache.
std::vector<float> chunk_logits(const model::Model& m, std::span<const int32_t> tokens,
                                std::span<const int32_t> wanted) {
  const size_t vocab = static_cast<size_t>(m.config().vocab_size);
  std::vector<float> logits;
  logits.reserve(wanted.size() * vocab);
  cpu::sequence_logits(m, tokens, wanted, [&](int32_t, std::span<const float> l) {
    logits.insert(logits.end(), l.begin(), l.end());
  });
  return logits;
}

struct LogSoftmax {
  double log_sum_exp = 0;  // ln Σ exp(logit)
  int argmax = 0;          // lowest id among the largest logits
};

LogSoftmax log_softmax(const float* logits, int n) {
  LogSoftmax out;
  float best = logits[0];
  for (int i = 1; i < n; ++i) {
    if (logits[i] > best) {
      best = logits[i];
      out.argmax = i;
    }
  }
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i]) - best);
  out.log_sum_exp = best + std::log(sum);
  return out;
}

}  // namespace

KldScores score_kl_divergence(const KldRequest& r, const std::function<void(int, int)>& on_chunk) {
  const int n = r.context_tokens;
  if (n < 4) throw std::invalid_argument(fmt::format("kld: --context: expected at least 4 tokens, found {}", n));
  if (r.max_chunks < 0) {
    throw std::invalid_argument(fmt::format("kld: --max-chunks: expected 0 or more, found {}", r.max_chunks));
  }
  const std::unique_ptr<model::Model> base = model::Model::load(r.base_model);
  const std::unique_ptr<model::Model> cand = model::Model::load(r.candidate_model);
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(r.base_model);
  check_same_vocabulary(r, *base, *cand, tok);
  const int vocab = base->config().vocab_size;

  KldScores out;
  std::vector<int32_t> tokens;
  const std::optional<int32_t> bos = bos_to_add(tok);
  if (bos) tokens.push_back(*bos);
  const std::vector<int32_t> text_tokens = tok.encode(r.text, /*parse_special=*/false);
  tokens.insert(tokens.end(), text_tokens.begin(), text_tokens.end());
  out.bos_added = bos.has_value();
  out.n_text_tokens = static_cast<int64_t>(tokens.size());
  for (int32_t id : tokens) {
    if (id < 0 || id >= vocab) {
      throw std::invalid_argument(fmt::format("kld: token id {} is outside the models' vocabulary of {}", id, vocab));
    }
  }
  const int whole_chunks = static_cast<int>(tokens.size() / static_cast<size_t>(n));
  if (whole_chunks == 0) {
    throw std::invalid_argument(fmt::format(
        "kld: the text has {} tokens, fewer than one chunk of --context {}", tokens.size(), n));
  }
  out.n_chunks = r.max_chunks > 0 ? std::min(r.max_chunks, whole_chunks) : whole_chunks;

  const int first = r.all_positions ? 0 : n / 2;
  std::vector<int32_t> wanted;
  for (int j = first; j <= n - 2; ++j) wanted.push_back(j);
  using Clock = std::chrono::steady_clock;
  for (int chunk = 0; chunk < out.n_chunks; ++chunk) {
    std::vector<int32_t> piece(tokens.begin() + static_cast<ptrdiff_t>(chunk) * n,
                               tokens.begin() + static_cast<ptrdiff_t>(chunk + 1) * n);
    if (bos) piece[0] = *bos;
    const auto t0 = Clock::now();
    const std::vector<float> lb = chunk_logits(*base, piece, wanted);
    const auto t1 = Clock::now();
    const std::vector<float> lc = chunk_logits(*cand, piece, wanted);
    const auto t2 = Clock::now();
    out.base_seconds += std::chrono::duration<double>(t1 - t0).count();
    out.candidate_seconds += std::chrono::duration<double>(t2 - t1).count();
    for (size_t w = 0; w < wanted.size(); ++w) {
      const float* b = lb.data() + w * static_cast<size_t>(vocab);
      const float* c = lc.data() + w * static_cast<size_t>(vocab);
      const LogSoftmax sb = log_softmax(b, vocab), sc = log_softmax(c, vocab);
      double kld = 0;
      for (int i = 0; i < vocab; ++i) {
        const double lp_b = b[i] - sb.log_sum_exp;
        const double lp_c = c[i] - sc.log_sum_exp;
        kld += std::exp(lp_b) * (lp_b - lp_c);
      }
      const int32_t next = piece[wanted[w] + 1];
      out.kld.push_back(kld);
      out.nll_base.push_back(sb.log_sum_exp - b[next]);
      out.nll_candidate.push_back(sc.log_sum_exp - c[next]);
      out.same_top1.push_back(sb.argmax == sc.argmax ? 1 : 0);
    }
    if (on_chunk) on_chunk(chunk + 1, out.n_chunks);
  }
  return out;
}

}  // namespace boxed::inference
