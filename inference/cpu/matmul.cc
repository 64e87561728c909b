#include "inference/cpu/matmul.h"

#include <algorithm>
#include <vector>

#include "inference/cpu/dot.h"
#include "inference/cpu/parallel.h"
#include "inference/cpu/quant_dot.h"
#include "inference/model/awq.h"

namespace boxed::inference::cpu {

namespace {
// Elements of k per chunk in the tile path: a multiple of 16 (dot()'s lanes).
constexpr int kChunkK = 256;
}  // namespace

void matmul(const float* x, int n, const model::TensorView& w, const model::TensorView* bias,
            float* y) {
  const int out = static_cast<int>(w.shape[0]);
  const int in = static_cast<int>(w.shape[1]);
  const int n_tiles = (out + kTileRows - 1) / kTileRows;
  std::vector<float> bias_f32;
  if (bias != nullptr) {
    bias_f32.resize(out);
    model::convert_to_f32(bias->dtype, bias->data, out, bias_f32.data());
  }
#if defined(__AVX512F__)
  const int n_chunks = (in + kChunkK - 1) / kChunkK;
#endif
  const int grain = grain_for(static_cast<size_t>(kTileRows) * in * std::max(n, 1));
  parallel_items(n_tiles, grain, [&](int tile) {
    thread_local std::vector<float> w_f32;
    const int row0 = tile * kTileRows;
    const int rows = std::min(kTileRows, out - row0);
    if (n < 4 && w.dtype == model::DType::kBF16 && rows % 4 == 0) {
      // Decode: BF16 rows widened in registers (dot4_bf16 == dot4 on the widened rows).
      const auto wr16 = [&](int r) { return reinterpret_cast<const uint16_t*>(w.row(row0 + r)); };
      for (int t = 0; t < n; ++t) {
        const float* xt = x + static_cast<size_t>(t) * in;
        float* yt = y + static_cast<size_t>(t) * out + row0;
        for (int r = 0; r < rows; r += 4) {
          dot4_bf16(xt, wr16(r), wr16(r + 1), wr16(r + 2), wr16(r + 3), in, yt + r);
        }
        if (bias != nullptr) {
          for (int i = 0; i < rows; ++i) yt[i] += bias_f32[row0 + i];
        }
      }
      return;
    }
    if (n < 4 && model::dtype_is_quantized(w.dtype)) {
      // Decode: GGML blocks decoded block by block on the stack (quant_dot == dot over the
      // dequantised row), all n tokens per decoded block; the weights stay quantized.
      quant_dot_rows(w.dtype, w.row(row0), w.row_bytes(), rows, in, x, in, n, y + row0, out);
      if (bias != nullptr) {
        for (int tt = 0; tt < n; ++tt) {
          float* yt = y + static_cast<size_t>(tt) * out + row0;
          for (int i = 0; i < rows; ++i) yt[i] += bias_f32[row0 + i];
        }
      }
      return;
    }
    w_f32.resize(static_cast<size_t>(kTileRows) * in);
    if (w.awq) {  // AWQ int4 (model/awq.h): the tile dequantised exactly, then the same dots
      model::awq_dequantize_rows(*w.awq, row0, rows, w_f32.data());
    } else {
      model::convert_to_f32(w.dtype, w.row(row0), static_cast<size_t>(rows) * in, w_f32.data());
    }
    const auto wr = [&](int r) { return w_f32.data() + static_cast<size_t>(r) * in; };
    // Groups of 4 tokens x 4 rows (dot4x4), then leftover tokens (dot4) and rows (dot): all
    // three give each element the bits of dot(), so the grouping never shows in the result.
    const int t_groups = n / 4;
    int t = 4 * t_groups;
#if defined(__AVX512F__)
    // k in chunks of kChunkK: the chunk of the tile (16 rows x 1 KiB, copied next to each
    // other, so that rows a power-of-two-ish stride apart do not compete for the same L1 sets)
    // stays in L1 while every group of 4 tokens passes over it, instead of each group
    // streaming the whole tile (16 rows x `in` floats, 311 KB for a 4864-wide row) from L2;
    // the accumulators wait in memory between chunks (dot4x4_accumulate keeps dot()'s order).
    const int r_groups = rows / 4;
    struct Block {  // the accumulators of 4 tokens x 4 rows
      __m512 acc[16];
    };
    thread_local std::vector<Block> blocks;
    blocks.assign(static_cast<size_t>(t_groups) * r_groups, Block{});
    thread_local std::vector<float> w_chunk;
    w_chunk.resize(static_cast<size_t>(kTileRows) * kChunkK);
    for (int c = 0; c < n_chunks; ++c) {
      const int k0 = c * kChunkK, len = std::min(kChunkK, in - k0);
      for (int r = 0; r < 4 * r_groups; ++r) {
        std::copy_n(wr(r) + k0, len, w_chunk.data() + static_cast<size_t>(r) * kChunkK);
      }
      for (int g = 0; g < t_groups; ++g) {
        const float* xc = x + static_cast<size_t>(4 * g) * in + k0;
        for (int h = 0; h < r_groups; ++h) {
          dot4x4_accumulate(xc, in, w_chunk.data() + static_cast<size_t>(4 * h) * kChunkK, kChunkK, 0, len,
                            blocks[static_cast<size_t>(g) * r_groups + h].acc);
        }
      }
    }
    for (int g = 0; g < t_groups; ++g) {
      for (int h = 0; h < r_groups; ++h) {
        float block[16];
        reduce_lanes_16(blocks[static_cast<size_t>(g) * r_groups + h].acc, block);
        for (int a = 0; a < 4; ++a) {
          std::copy_n(block + 4 * a, 4, y + static_cast<size_t>(4 * g + a) * out + row0 + 4 * h);
        }
      }
      for (int r = 4 * r_groups; r < rows; ++r) {
        for (int a = 0; a < 4; ++a) {
          y[static_cast<size_t>(4 * g + a) * out + row0 + r] = dot(x + static_cast<size_t>(4 * g + a) * in, wr(r), in);
        }
      }
    }
#else
    for (int g = 0; g < t_groups; ++g) {
      const float* xt = x + static_cast<size_t>(4 * g) * in;
      int r = 0;
      for (; r + 4 <= rows; r += 4) {
        float block[16];
        dot4x4(xt, in, wr(r), in, in, block);
        for (int a = 0; a < 4; ++a) {
          std::copy_n(block + 4 * a, 4, y + static_cast<size_t>(4 * g + a) * out + row0 + r);
        }
      }
      for (; r < rows; ++r) {
        for (int a = 0; a < 4; ++a) y[static_cast<size_t>(4 * g + a) * out + row0 + r] = dot(xt + a * in, wr(r), in);
      }
    }
#endif
    for (; t < n; ++t) {
      const float* xt = x + static_cast<size_t>(t) * in;
      float* yt = y + static_cast<size_t>(t) * out + row0;
      int r = 0;
      for (; r + 4 <= rows; r += 4) dot4(xt, wr(r), wr(r + 1), wr(r + 2), wr(r + 3), in, yt + r);
      for (; r < rows; ++r) yt[r] = dot(xt, wr(r), in);
    }
    if (bias != nullptr) {
      for (int tt = 0; tt < n; ++tt) {
        float* yt = y + static_cast<size_t>(tt) * out + row0;
        for (int i = 0; i < rows; ++i) yt[i] += bias_f32[row0 + i];
      }
    }
  });
}

}  // namespace boxed::inference::cpu
