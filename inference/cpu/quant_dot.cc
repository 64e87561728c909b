#include "inference/cpu/quant_dot.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "inference/cpu/dot.h"
#include "inference/cpu/quant_dot_avx512.h"
#include "inference/model/quant/blocks_32.h"
#include "inference/model/quant/blocks_k.h"

namespace boxed::inference::cpu {

namespace {

namespace quant = model::quant;
using DecodeFn = void (*)(const std::byte*, float*);

// Weights are decoded kChunk elements at a time (one super-block, or eight 32-element blocks) so
// that the FMA loop below always has whole runs of 16 lanes to vectorise.
constexpr int kChunk = 256;

// acc[j] += x[k] * w[k] for k % 16 == j, k < len (a multiple of 16): dot()'s lane loop.
inline void fma_lanes(float* acc, const float* x, const float* w, int len) {
  for (int k = 0; k < len; k += kLanes) {
    for (int j = 0; j < kLanes; ++j) acc[j] = std::fma(x[k + j], w[k + j], acc[j]);
  }
}

// The decoder and token count are template arguments so that the block decode is inlined and the
// accumulators stay in registers.
template <DecodeFn Decode, int kElems, int kTokens>
void dot_blocks(const std::byte* row, size_t block_bytes, int n, const float* x, size_t x_stride,
                float* out, size_t out_stride) {
  static_assert(kElems % kLanes == 0 && kChunk % kElems == 0,
                "lane j must see the elements k % 16 == j, in increasing k, as in dot()");
  alignas(64) float w[kChunk];
  float acc[kTokens][kLanes] = {};
  for (int base = 0; base < n; base += kChunk) {
    const int len = std::min(kChunk, n - base);  // whole blocks (n is)
    const std::byte* blocks = row + static_cast<size_t>(base / kElems) * block_bytes;
    for (int b = 0; b < len / kElems; ++b) Decode(blocks + b * block_bytes, w + b * kElems);
    for (int t = 0; t < kTokens; ++t) fma_lanes(acc[t], x + t * x_stride + base, w, len);
  }
  for (int t = 0; t < kTokens; ++t) out[t * out_stride] = reduce_lanes(acc[t]);
}

template <DecodeFn Decode, int kElems>
void dot_tokens(const std::byte* row, size_t block_bytes, int n, const float* x, size_t x_stride,
                int n_tokens, float* out, size_t out_stride) {
  switch (n_tokens) {
    case 1: return dot_blocks<Decode, kElems, 1>(row, block_bytes, n, x, x_stride, out, out_stride);
    case 2: return dot_blocks<Decode, kElems, 2>(row, block_bytes, n, x, x_stride, out, out_stride);
    case 3: return dot_blocks<Decode, kElems, 3>(row, block_bytes, n, x, x_stride, out, out_stride);
    case 4: return dot_blocks<Decode, kElems, 4>(row, block_bytes, n, x, x_stride, out, out_stride);
    default:
      throw std::logic_error(fmt::format("quant_dot: {} tokens (1..{})", n_tokens, kMaxQuantDotTokens));
  }
}

}  // namespace

void quant_dot(model::DType dtype, const std::byte* row, int n, const float* x, size_t x_stride,
               int n_tokens, float* out, size_t out_stride) {
  quant_dot_rows(dtype, row, 0, 1, n, x, x_stride, n_tokens, out, out_stride);
}

void quant_dot_rows(model::DType dtype, const std::byte* rows, size_t row_bytes, int n_rows,
                    int n, const float* x, size_t x_stride, int n_tokens, float* out,
                    size_t out_stride) {
  if (n_tokens >= 1 && n_tokens <= kMaxQuantDotTokens &&
      n % model::dtype_block_elems(dtype) == 0 &&
      quant_dot_avx512(dtype, rows, row_bytes, n_rows, n, x, x_stride, n_tokens, out, out_stride)) {
    return;
  }
  for (int r = 0; r < n_rows; ++r) {
    quant_dot_portable(dtype, rows + r * row_bytes, n, x, x_stride, n_tokens, out + r, out_stride);
  }
}

void quant_dot_portable(model::DType dtype, const std::byte* row, int n, const float* x,
                        size_t x_stride, int n_tokens, float* out, size_t out_stride) {
  using model::DType;
  const size_t bytes = model::dtype_block_bytes(dtype);
  if (n % model::dtype_block_elems(dtype) != 0) {
    throw std::logic_error(fmt::format("quant_dot: a row of {} elements is not whole {} blocks", n,
                                       model::dtype_name(dtype)));
  }
  using DotFn = void (*)(const std::byte*, size_t, int, const float*, size_t, int, float*, size_t);
  DotFn dot_fn = nullptr;
  switch (dtype) {
    case DType::kQ4_0: dot_fn = dot_tokens<quant::decode_q4_0, 32>; break;
    case DType::kQ4_1: dot_fn = dot_tokens<quant::decode_q4_1, 32>; break;
    case DType::kQ5_0: dot_fn = dot_tokens<quant::decode_q5_0, 32>; break;
    case DType::kQ5_1: dot_fn = dot_tokens<quant::decode_q5_1, 32>; break;
    case DType::kQ8_0: dot_fn = dot_tokens<quant::decode_q8_0, 32>; break;
    case DType::kQ2_K: dot_fn = dot_tokens<quant::decode_q2_k, 256>; break;
    case DType::kQ3_K: dot_fn = dot_tokens<quant::decode_q3_k, 256>; break;
    case DType::kQ4_K: dot_fn = dot_tokens<quant::decode_q4_k, 256>; break;
    case DType::kQ5_K: dot_fn = dot_tokens<quant::decode_q5_k, 256>; break;
    case DType::kQ6_K: dot_fn = dot_tokens<quant::decode_q6_k, 256>; break;
    default:
      throw std::logic_error(
          fmt::format("quant_dot: {} is not a block type", model::dtype_name(dtype)));
  }
  dot_fn(row, bytes, n, x, x_stride, n_tokens, out, out_stride);
}

}  // namespace boxed::inference::cpu
