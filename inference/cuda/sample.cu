#include "inference/cuda/sample.cuh"

#include "inference/cuda/launch.cuh"
#include "inference/sampler/random_stream.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

constexpr int kThreads = 128;
constexpr int kDigits = 16;  // 4-bit radix digits

struct Shared {
  double hist[kDigits][kThreads];  // per-thread weight (or count) histograms of one pass
  int count[kDigits][kThreads];
  double sum[kThreads];
  uint64_t key[kThreads];
  int last[kThreads];
  uint64_t prefix;
  double above;
  double total;
  uint64_t cut;
  int token;
};

// The total order of sampler.h as one integer: logit descending (NaN = -inf, -0 = +0), then id
// ascending. A larger key is a better token.
__device__ uint64_t order_key(float l, int i) {
  if (l != l) l = -INFINITY;
  if (l == 0.0f) l = 0.0f;
  unsigned u = __float_as_uint(l);
  u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  return (static_cast<uint64_t>(u) << 32) | (0xFFFFFFFFu - static_cast<unsigned>(i));
}

// The key of the worst token t with key >= floor whose "above" — the number (by_weight false)
// or the weight sum (true) of tokens with key in [floor, ∞) better than t — is < limit.
__device__ uint64_t radix_cut(const float* logits, const double* w, int vocab, uint64_t floor,
                              bool by_weight, double limit, Shared& sh) {
  const int tid = threadIdx.x;
  uint64_t prefix = 0;
  double above = 0;
  for (int level = 0; level < 16; ++level) {
    const int shift = 60 - 4 * level;
    double hist[kDigits];
    int count[kDigits];
    for (int b = 0; b < kDigits; ++b) {
      hist[b] = 0;
      count[b] = 0;
    }
    for (int i = tid; i < vocab; i += blockDim.x) {
      const uint64_t key = order_key(logits[i], i);
      if (key < floor) continue;
      if (level > 0 && (key >> (shift + 4)) != (prefix >> (shift + 4))) continue;
      const int b = static_cast<int>((key >> shift) & 15u);
      ++count[b];
      hist[b] += by_weight ? w[i] : 1.0;
    }
    for (int b = 0; b < kDigits; ++b) {
      sh.hist[b][tid] = hist[b];
      sh.count[b][tid] = count[b];
    }
    __syncthreads();
    if (tid < kDigits) {  // thread b totals digit b over the threads, in thread order
      double h = 0;
      int c = 0;
      for (int t = 0; t < static_cast<int>(blockDim.x); ++t) {
        h += sh.hist[tid][t];
        c += sh.count[tid][t];
      }
      sh.hist[tid][0] = h;
      sh.count[tid][0] = c;
    }
    __syncthreads();
    if (tid == 0) {
      // Digits best first: the best token of digit b has exactly `acc` above it, so b holds a
      // kept token iff acc < limit. The lowest such digit holds the worst kept token.
      double acc = above;
      int chosen = -1;
      double chosen_above = above;
      for (int b = kDigits - 1; b >= 0; --b) {
        if (sh.count[b][0] == 0) continue;
        if (chosen >= 0 && !(acc < limit)) break;  // this digit and lower ones: above >= limit
        chosen = b;
        chosen_above = acc;
        acc += sh.hist[b][0];
      }
      sh.prefix = prefix | (static_cast<uint64_t>(chosen) << shift);
      sh.above = chosen_above;
    }
    __syncthreads();
    prefix = sh.prefix;
    above = sh.above;
    __syncthreads();  // sh.prefix is rewritten by the next level
  }
  return prefix;
}

__global__ void __launch_bounds__(kThreads)
sample_kernel(const float* logits_all, int vocab, const SampleParams* params_all,
              double* weights_all, int32_t* tokens) {
  __shared__ Shared sh;
  const int tid = threadIdx.x, n_threads = blockDim.x;
  const float* logits = logits_all + static_cast<size_t>(blockIdx.x) * vocab;
  double* w = weights_all + static_cast<size_t>(blockIdx.x) * vocab;
  const SampleParams p = params_all[blockIdx.x];

  // Greedy: the best key.
  uint64_t best = 0;
  for (int i = tid; i < vocab; i += n_threads) {
    const uint64_t key = order_key(logits[i], i);
    if (key > best) best = key;
  }
  sh.key[tid] = best;
  __syncthreads();
  if (tid == 0) {
    for (int t = 1; t < n_threads; ++t) {
      if (sh.key[t] > best) best = sh.key[t];
    }
    sh.token = static_cast<int>(0xFFFFFFFFu - static_cast<unsigned>(best & 0xFFFFFFFFu));
  }
  __syncthreads();
  const int greedy_token = sh.token;
  float l_max = logits[greedy_token];
  if (l_max != l_max) l_max = -INFINITY;
  if (p.temperature == 0.0f || l_max == -INFINITY) {
    if (tid == 0) tokens[blockIdx.x] = greedy_token;
    return;
  }

  const double inv_t = 1.0 / static_cast<double>(p.temperature);
  for (int i = tid; i < vocab; i += n_threads) {
    float l = logits[i];
    if (l != l) l = -INFINITY;
    w[i] = exp((static_cast<double>(l) - l_max) * inv_t);
  }
  __syncthreads();

  uint64_t floor = 0;  // kept: key >= floor
  if (p.top_k > 0 && p.top_k < vocab) {
    floor = radix_cut(logits, w, vocab, 0, false, static_cast<double>(p.top_k), sh);
  }
  if (p.top_p < 1.0f) {
    double z = 0;
    for (int i = tid; i < vocab; i += n_threads) {
      if (order_key(logits[i], i) >= floor) z += w[i];
    }
    sh.sum[tid] = z;
    __syncthreads();
    if (tid == 0) {
      double total = 0;
      for (int t = 0; t < n_threads; ++t) total += sh.sum[t];
      sh.total = total;
    }
    __syncthreads();
    const double limit = static_cast<double>(p.top_p) * sh.total;
    floor = radix_cut(logits, w, vocab, floor, true, limit, sh);
  }

  // The draw over contiguous chunks of ids, so the running sum runs in ascending id order.
  const double min_p = p.min_p;
  const int chunk = (vocab + n_threads - 1) / n_threads;
  const int begin = min(vocab, tid * chunk), end = min(vocab, begin + chunk);
  double part = 0;
  int last = -1;
  for (int i = begin; i < end; ++i) {
    if (order_key(logits[i], i) >= floor && w[i] > 0 && w[i] >= min_p) {
      part += w[i];
      last = i;
    }
  }
  sh.sum[tid] = part;
  sh.last[tid] = last;
  __syncthreads();
  if (tid == 0) {
    double z = 0;
    int last_kept = greedy_token;
    for (int t = 0; t < n_threads; ++t) {
      z += sh.sum[t];
      if (sh.last[t] >= 0) last_kept = sh.last[t];
    }
    const double target = sampler::token_uniform(p.seed, p.position) * z;
    int token = last_kept;  // u · Z rounded up to the total
    double acc = 0;
    for (int t = 0; t < n_threads; ++t) {
      if (!(target < acc + sh.sum[t])) {
        acc += sh.sum[t];
        continue;
      }
      const int b = min(vocab, t * chunk), e = min(vocab, b + chunk);
      double run = acc;
      bool found = false;
      for (int i = b; i < e; ++i) {
        if (order_key(logits[i], i) >= floor && w[i] > 0 && w[i] >= min_p) {
          run += w[i];
          if (target < run) {
            token = i;
            found = true;
            break;
          }
        }
      }
      if (found) break;
      acc += sh.sum[t];
    }
    tokens[blockIdx.x] = token;
  }
}

}  // namespace

void sample(Stream& stream, const float* logits, int n_rows, int vocab, const SampleParams* params,
            double* weights, int32_t* tokens) {
  if (n_rows == 0) return;
  launch("sample", sample_kernel, dim3(n_rows), dim3(kThreads), stream, logits, vocab, params,
         weights, tokens);
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
