#include "inference/cuda/attention.cuh"

#include <fmt/format.h>

#include <stdexcept>

#include "inference/cuda/kv_element.cuh"
#include "inference/cuda/launch.cuh"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

constexpr int kThreads = 128;  // 4 warps
constexpr int kMaxGroup = 8;
constexpr int kMaxHeadDim = 256;

// T: the cache's storage type (kv_element.cuh).
template <typename T>
struct Args {
  const float* q;
  int n_heads;
  const int32_t* positions;
  const int32_t* seq_ids;
  const int32_t* block_tables;
  int max_blocks_per_seq;
  const T* cache;
  KvLayout layout;
  int layer;
  int n_splits;
  float* partial_acc;  // [n, n_heads, n_splits, head_dim]
  float* partial_ml;   // [n, n_heads, n_splits, 2]
};

template <typename T>
__device__ const T* kv_row(const Args<T>& a, const int32_t* table, int t, int kv, int kv_head) {
  const int bs = a.layout.block_size_tokens;
  return a.cache + a.layout.offset(table[t / bs], a.layer, kv, kv_head) +
         static_cast<size_t>(t % bs) * a.layout.head_dim;
}

template <typename T>
__global__ void __launch_bounds__(kThreads) attention_split_kernel(Args<T> a) {
  __shared__ float q_s[kMaxGroup * kMaxHeadDim];
  __shared__ float score_s[kMaxGroup][kSplitTokens];
  __shared__ float m_s[kMaxGroup];
  __shared__ float l_s[kMaxGroup];
  const int token = blockIdx.x, kv_head = blockIdx.y, split = blockIdx.z;
  const int hd = a.layout.head_dim, group = a.n_heads / a.layout.n_kv_heads;
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, n_warps = blockDim.x / 32;
  const int p = a.positions[token];
  const int begin = split * kSplitTokens;
  const int end = min(p + 1, begin + kSplitTokens);
  const size_t part = (static_cast<size_t>(token) * a.n_heads + kv_head * group) * a.n_splits + split;
  if (begin >= end) {  // this token's sequence is shorter than the batch's longest: empty split
    for (int g = threadIdx.x; g < group; g += blockDim.x) {
      a.partial_ml[(part + static_cast<size_t>(g) * a.n_splits) * 2] = -INFINITY;
      a.partial_ml[(part + static_cast<size_t>(g) * a.n_splits) * 2 + 1] = 0.0f;
    }
    return;
  }
  const int32_t* table = a.block_tables + static_cast<size_t>(a.seq_ids[token]) * a.max_blocks_per_seq;
  const float* q = a.q + (static_cast<size_t>(token) * a.n_heads + kv_head * group) * hd;
  for (int i = threadIdx.x; i < group * hd; i += blockDim.x) q_s[i] = q[i];
  __syncthreads();

  // Scores: one thread per position, each reading its K row four elements at a time (16 B per
  // load in fp32, 8 B in bf16; the row's segments reused from L1 across the loop); each K row
  // serves the whole group.
  const float scale = 1.0f / sqrtf(static_cast<float>(hd));
  for (int t = begin + static_cast<int>(threadIdx.x); t < end; t += blockDim.x) {
    const T* k = kv_row(a, table, t, 0, kv_head);
    float s[kMaxGroup];
    for (int g = 0; g < kMaxGroup; ++g) s[g] = 0.0f;
    for (int j = 0; j < hd / 4; ++j) {
      const float4 kj = kv_load4(k + 4 * j);
      for (int g = 0; g < group; ++g) {
        const float* qg = q_s + g * hd + 4 * j;
        s[g] += qg[0] * kj.x + qg[1] * kj.y + qg[2] * kj.z + qg[3] * kj.w;
      }
    }
    for (int g = 0; g < group; ++g) score_s[g][t - begin] = s[g] * scale;
  }
  __syncthreads();

  // Softmax pieces of this split, one warp per query head.
  const int len = end - begin;
  for (int g = warp; g < group; g += n_warps) {
    float m = -INFINITY;
    for (int i = lane; i < len; i += 32) m = fmaxf(m, score_s[g][i]);
    m = warp_max(m);
    float l = 0.0f;
    for (int i = lane; i < len; i += 32) {
      const float e = expf(score_s[g][i] - m);
      score_s[g][i] = e;
      l += e;
    }
    l = warp_sum(l);
    if (lane == 0) {
      m_s[g] = m;
      l_s[g] = l;
    }
  }
  __syncthreads();

  // Σ e^(s − m) v over the split, in ascending position order; threads over (head, dim), so
  // consecutive threads read consecutive floats of a V row.
  for (int i = threadIdx.x; i < group * hd; i += blockDim.x) {
    const int g = i / hd, d = i % hd;
    float acc = 0.0f;
    for (int t = begin; t < end; ++t) acc += score_s[g][t - begin] * kv_load(kv_row(a, table, t, 1, kv_head) + d);
    const size_t at = part + static_cast<size_t>(g) * a.n_splits;
    a.partial_acc[at * hd + d] = acc;
    if (d == 0) {
      a.partial_ml[at * 2] = m_s[g];
      a.partial_ml[at * 2 + 1] = l_s[g];
    }
  }
}

// Block (token, head): combines the head's splits by log-sum-exp.
__global__ void attention_merge_kernel(const float* partial_acc, const float* partial_ml,
                                       int n_splits, int head_dim, float* out) {
  const size_t head = static_cast<size_t>(blockIdx.x) * gridDim.y + blockIdx.y;
  const float* ml = partial_ml + head * n_splits * 2;
  float m_max = -INFINITY;
  for (int s = 0; s < n_splits; ++s) {
    if (ml[2 * s + 1] > 0.0f) m_max = fmaxf(m_max, ml[2 * s]);
  }
  float l = 0.0f;
  for (int s = 0; s < n_splits; ++s) {
    if (ml[2 * s + 1] > 0.0f) l += expf(ml[2 * s] - m_max) * ml[2 * s + 1];
  }
  const float inv_l = 1.0f / l;
  for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
    float acc = 0.0f;
    for (int s = 0; s < n_splits; ++s) {
      if (ml[2 * s + 1] > 0.0f) {
        acc += expf(ml[2 * s] - m_max) * partial_acc[(head * n_splits + s) * head_dim + d];
      }
    }
    out[head * head_dim + d] = acc * inv_l;
  }
}

}  // namespace

size_t attention_scratch_floats(int n, int n_heads, int head_dim, int max_position) {
  return static_cast<size_t>(n) * n_heads * attention_splits(max_position) * (head_dim + 2);
}

void attention(Stream& stream, const float* q, int n, int n_heads, const int32_t* positions,
               const int32_t* seq_ids, const int32_t* block_tables, int max_blocks_per_seq,
               const void* cache, const KvLayout& layout, int layer, int max_position,
               float* scratch, float* out) {
  if (n == 0) return;
  const int group = n_heads / layout.n_kv_heads;
  if (n_heads % layout.n_kv_heads != 0 || group > kMaxGroup || layout.head_dim > kMaxHeadDim ||
      layout.head_dim % 4 != 0) {
    throw std::invalid_argument(fmt::format(
        "cuda attention: {} query heads over {} KV heads with head_dim {}; supported: a whole "
        "group of at most {} query heads per KV head and a head_dim of at most {}, a multiple of 4",
        n_heads, layout.n_kv_heads, layout.head_dim, kMaxGroup, kMaxHeadDim));
  }
  const int n_splits = attention_splits(max_position);
  float* partial_acc = scratch;
  float* partial_ml = scratch + static_cast<size_t>(n) * n_heads * n_splits * layout.head_dim;
  dispatch_kv(layout.dtype, [&](auto element) {
    using T = decltype(element);
    const Args<T> args{q, n_heads, positions, seq_ids, block_tables, max_blocks_per_seq,
                       static_cast<const T*>(cache), layout, layer, n_splits, partial_acc, partial_ml};
    launch("attention_split", attention_split_kernel<T>, dim3(n, layout.n_kv_heads, n_splits),
           dim3(kThreads), stream, args);
  });
  launch("attention_merge", attention_merge_kernel, dim3(n, n_heads), dim3(64), stream,
         static_cast<const float*>(partial_acc), static_cast<const float*>(partial_ml), n_splits,
         layout.head_dim, out);
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
