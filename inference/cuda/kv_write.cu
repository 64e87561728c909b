#include "inference/cuda/kv_write.cuh"

#include "inference/cuda/kv_element.cuh"
#include "inference/cuda/launch.cuh"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

// Block (token, kv head); threads stride head_dim.
template <typename T>
__global__ void kv_write_kernel(const float* k, const float* v, const int32_t* positions,
                                const int32_t* seq_ids, const int32_t* block_tables,
                                int max_blocks_per_seq, KvLayout layout, int layer, T* cache) {
  const int t = blockIdx.x, h = blockIdx.y, d_head = layout.head_dim;
  const int p = positions[t];
  const int block =
      block_tables[static_cast<size_t>(seq_ids[t]) * max_blocks_per_seq + p / layout.block_size_tokens];
  const size_t slot = static_cast<size_t>(p % layout.block_size_tokens) * d_head;
  const size_t src = (static_cast<size_t>(t) * layout.n_kv_heads + h) * d_head;
  T* kc = cache + layout.offset(block, layer, 0, h) + slot;
  T* vc = cache + layout.offset(block, layer, 1, h) + slot;
  for (int d = threadIdx.x; d < d_head; d += blockDim.x) {
    kv_store(kc + d, k[src + d]);
    kv_store(vc + d, v[src + d]);
  }
}

}  // namespace

void kv_write(Stream& stream, const float* k, const float* v, int n, const int32_t* positions,
              const int32_t* seq_ids, const int32_t* block_tables, int max_blocks_per_seq,
              const KvLayout& layout, int layer, void* cache) {
  if (n == 0) return;
  dispatch_kv(layout.dtype, [&](auto element) {
    using T = decltype(element);
    launch("kv_write", kv_write_kernel<T>, dim3(n, layout.n_kv_heads), dim3(64), stream, k, v,
           positions, seq_ids, block_tables, max_blocks_per_seq, layout, layer, static_cast<T*>(cache));
  });
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
