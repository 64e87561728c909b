// Turns one position's logits into the next token: greedy, temperature, top-k, top-p, min-p,
// with the uniform number drawn from the counter-based stream keyed by (request seed, position)
// (random_stream.h), so a sample's tokens never depend on batch composition or threads.
//
//   Sampler sampler;                                    // scratch buffers; one per thread
//   int32_t token = sampler.sample(logits, request.sampling, request.seed, position);
//
// Semantics, in the order Hugging Face transformers applies its warpers (generation/utils.py,
// _get_logits_processor: Temperature, TopK, TopP, MinP; vLLM's sampler uses the same order):
//   1. temperature == 0: greedy — the highest logit, the lowest token id on ties; nothing else
//      applies and no random number is used.
//   2. temperature T > 0: weights w_i = exp((l_i - l_max) / T)  (softmax of l / T, unnormalised).
//   3. top_k > 0: keep the k best tokens.
//   4. top_p < 1: over the tokens still kept, renormalised, keep the best tokens whose
//      cumulative probability *before* them is < top_p (HF: drop tokens whose ascending
//      cumulative sum is <= 1 - top_p), so the smallest prefix reaching top_p survives.
//   5. min_p > 0: keep tokens with p_i >= min_p * p_max  (equivalently w_i >= min_p).
//   At least one token (the best) always survives.
// "Best" is the total order (logit descending, token id ascending): ties break to the lower id,
// which makes every cut deterministic. NaN logits count as -infinity.
// The draw: Z = sum of kept w_i in ascending token-id order; the token is the first kept token,
// in ascending id order, whose running sum exceeds u * Z (u = token_uniform(seed, position)).
// Id order (not sorted order) lets the common untruncated case skip sorting entirely, and gives
// a GPU sampler a plain prefix sum to reproduce.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "inference/engine.h"

namespace boxed::inference::sampler {

struct Candidate {
  int32_t token;
  double probability;  // renormalised over the kept tokens
};

// Empty when params are usable, else a message naming the field, expected versus found.
std::string validate(const SamplingParams& params);

// The highest logit, the lowest id on ties (NaN = -inf). logits must be non-empty.
int32_t greedy(std::span<const float> logits);

class Sampler {
 public:
  // The next token for `logits` [vocab]. params must pass validate().
  int32_t sample(std::span<const float> logits, const SamplingParams& params, uint64_t seed,
                 int64_t position);

  // The distribution sample() draws from: the kept tokens in ascending id order.
  std::vector<Candidate> distribution(std::span<const float> logits,
                                      const SamplingParams& params);

  // The token that the cumulative walk picks for a given u in [0, 1) (exposed for tests).
  int32_t pick(std::span<const float> logits, const SamplingParams& params, double u);

 private:
  // Fills kept_ (ascending ids) and weights_ (w_i, parallel to kept_). Returns false when the
  // result is greedy (temperature 0) and sets greedy_token_.
  bool filter(std::span<const float> logits, const SamplingParams& params);

  std::vector<int32_t> order_;   // candidate ids, partially sorted best first
  std::vector<int32_t> kept_;    // surviving ids, ascending
  std::vector<double> weights_;  // their weights w_i
  std::vector<double> all_weights_;  // w_i of every token
  int32_t greedy_token_ = 0;
};

}  // namespace boxed::inference::sampler
