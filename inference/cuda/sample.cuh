// Sampling on the device (sampler/sampler.h `Sampler::sample`, same semantics, same random
// stream): one thread block per row turns logits [vocab] into a token — greedy at temperature
// 0, else weights w_i = exp((l_i − l_max) / T), top-k, top-p, min-p, and the draw
// "first kept token in ascending id order whose running weight sum exceeds u · Z" with
// u = token_uniform(seed, position) (sampler/random_stream.h, compiled into the kernel).
//
// Without sorting: every cut keeps a prefix of the total order (logit descending, id
// ascending), so the cut is found by a radix descent over 64-bit order keys
// (float bits made monotone << 32 | ~id), 4 bits per pass — 16 passes over the row, each a
// histogram of counts and weights per digit reduced in shared memory in a fixed order. Top-k
// looks for the worst token with fewer than k better ones; top-p for the worst token whose
// better kept mass is < top_p · Z.
// Agreement with the CPU sampler: the same kept set and the same token for the same logits,
// except when a cut or the draw lands within a few ulp of a boundary (the device sums the same
// doubles in a different order); greedy rows agree always.
// Bytes: reads the row 1 + (16 per active cut) times (4 B logit + 8 B weight), writes vocab · 8
// (weights scratch) + 4.
//
//   sample(stream, logits_dev, n_rows, vocab, params_dev, weights_scratch_dev, tokens_dev);
#pragma once

#include <cstdint>

#include "inference/cuda/runtime.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

struct SampleParams {
  float temperature = 0;  // 0 = greedy
  int32_t top_k = 0;      // 0 = off
  float top_p = 1;        // 1 = off
  float min_p = 0;        // 0 = off
  uint64_t seed = 0;
  int64_t position = 0;   // the position of the token being drawn
};

// logits: [n_rows, vocab]; params: [n_rows] (device); weights: [n_rows, vocab] doubles of
// scratch; tokens: [n_rows] (device).
void sample(Stream& stream, const float* logits, int n_rows, int vocab, const SampleParams* params,
            double* weights, int32_t* tokens);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
