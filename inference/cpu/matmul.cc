#include "inference/cpu/matmul.h"

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "inference/cpu/dot.h"
#include "inference/cpu/parallel.h"
#include "inference/cpu/quant_dot.h"
#include "inference/cpu/quant_dot_q8.h"
#include "inference/cpu/quant_gemm_q8.h"
#include "inference/model/awq.h"

namespace boxed::inference::cpu {

namespace {
// Elements of k per chunk in the tile path: a multiple of 16 (dot()'s lanes).
constexpr int kChunkK = 256;
}  // namespace

void matmul(const float* x, int n, const model::TensorView& w, const model::TensorView* bias,
            float* y, Activations activations) {
  const int out = static_cast<int>(w.shape[0]);
  const int in = static_cast<int>(w.shape[1]);
  const int n_tiles = (out + kTileRows - 1) / kTileRows;
  std::vector<float> bias_f32;
  if (bias != nullptr) {
    bias_f32.resize(out);
    model::convert_to_f32(bias->dtype, bias->data, out, bias_f32.data());
  }
  // The int8 paths: each token's activations quantized once, before the tiles share them.
  std::vector<Q8Activations> x_q8;
  std::optional<Q8Batch> batch_q8;
  if (activations == Activations::kQ8 && quant_dot_q8_supported(w.dtype, in)) {
    x_q8.resize(n);
    parallel_items(n, grain_for(static_cast<size_t>(in)), [&](int t) {
      quantize_activations(x + static_cast<size_t>(t) * in, in, x_q8[t]);
    });
    if (n >= 4) batch_q8.emplace(w.dtype, x_q8.data(), n);
  }
  const auto add_bias = [&](int row0, int rows) {
    if (bias == nullptr) return;
    for (int t = 0; t < n; ++t) {
      float* yt = y + static_cast<size_t>(t) * out + row0;
      for (int i = 0; i < rows; ++i) yt[i] += bias_f32[row0 + i];
    }
  };
  const int n_chunks = (in + kChunkK - 1) / kChunkK;
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
    if (batch_q8) {  // int8 activations, 4 or more tokens: the tile unpacked to codes once
      quant_gemm_q8_tile(w.dtype, w.row(row0), w.row_bytes(), rows, *batch_q8, y + row0, out);
      add_bias(row0, rows);
      return;
    }
    if (n < 4 && model::dtype_is_quantized(w.dtype)) {
      // Decode: GGML blocks decoded block by block on the stack (quant_dot == dot over the
      // dequantised row), all n tokens per decoded block; the weights stay quantized. Or, with
      // int8 activations, the blocks multiplied in integers, token by token.
      if (!x_q8.empty()) {
        for (int t = 0; t < n; ++t) {
          quant_dot_q8_rows(w.dtype, w.row(row0), w.row_bytes(), rows, x_q8[t],
                            y + static_cast<size_t>(t) * out + row0);
        }
      } else {
        quant_dot_rows(w.dtype, w.row(row0), w.row_bytes(), rows, in, x, in, n, y + row0, out);
      }
      add_bias(row0, rows);
      return;
    }
    // The tile path. The tile is decoded to fp32 once, row by row (the blocks are read in
    // order), into chunks of kChunkK elements of k: chunk c holds its part of the 16 rows next
    // to each other (16 KiB; rows a large stride apart would compete for the same L1 sets).
    // Each chunk stays in L1 while every group of 4 tokens x 4 rows passes over it
    // (dot4x4_accumulate), instead of each group streaming the whole tile (311 KB for a
    // 4864-wide row) from L2. Pairs outside whole groups (leftover tokens, leftover rows) take
    // dot()'s lane loop (dot_accumulate). Accumulators wait in memory between chunks; both
    // kernels keep dot()'s order, so every element has dot()'s bits over its row.
    const int t_groups = n / 4, r_groups = rows / 4;
    const int grouped_tokens = 4 * t_groups, grouped_rows = 4 * r_groups;
    thread_local std::vector<Lanes4x4> groups;
    thread_local std::vector<std::array<float, kLanes>> singles;
    thread_local std::vector<float> w_tile;
    groups.resize(static_cast<size_t>(t_groups) * r_groups);
    for (Lanes4x4& g : groups) clear(g);
    singles.assign(static_cast<size_t>(grouped_tokens) * (rows - grouped_rows) +
                       static_cast<size_t>(n - grouped_tokens) * rows,
                   std::array<float, kLanes>{});
    w_tile.resize(static_cast<size_t>(n_chunks) * kTileRows * kChunkK);
    const auto wc = [&](int c, int r) {
      return w_tile.data() + (static_cast<size_t>(c) * kTileRows + r) * kChunkK;
    };
    if (w.awq) {  // AWQ int4 (model/awq.h): the tile dequantised exactly, then split in chunks
      w_f32.resize(static_cast<size_t>(kTileRows) * in);
      model::awq_dequantize_rows(*w.awq, row0, rows, w_f32.data());
    }
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < n_chunks; ++c) {
        const int k0 = c * kChunkK, len = std::min(kChunkK, in - k0);  // k0: whole blocks
        if (w.awq) {
          std::copy_n(w_f32.data() + static_cast<size_t>(r) * in + k0, len, wc(c, r));
        } else {
          model::convert_to_f32(w.dtype, w.row(row0 + r) + model::dtype_row_bytes(w.dtype, k0),
                                static_cast<size_t>(len), wc(c, r));
        }
      }
    }
    const auto xt = [&](int t, int k0) { return x + static_cast<size_t>(t) * in + k0; };
    for (int c = 0; c < n_chunks; ++c) {
      const int k0 = c * kChunkK, len = std::min(kChunkK, in - k0);
      for (int g = 0; g < t_groups; ++g) {
        for (int h = 0; h < r_groups; ++h) {
          dot4x4_accumulate(xt(4 * g, k0), in, wc(c, 4 * h), kChunkK, 0, len,
                            groups[static_cast<size_t>(g) * r_groups + h]);
        }
      }
      size_t single = 0;
      for (int t = 0; t < n; ++t) {
        for (int r = t < grouped_tokens ? grouped_rows : 0; r < rows; ++r) {
          dot_accumulate(xt(t, k0), wc(c, r), len, singles[single++].data());
        }
      }
    }
    const auto y_at = [&](int t, int r) -> float& { return y[static_cast<size_t>(t) * out + row0 + r]; };
    for (int g = 0; g < t_groups; ++g) {
      for (int h = 0; h < r_groups; ++h) {
        float block[16];
        reduce(groups[static_cast<size_t>(g) * r_groups + h], block);
        for (int i = 0; i < 16; ++i) y_at(4 * g + i / 4, 4 * h + i % 4) = block[i];
      }
    }
    size_t single = 0;
    for (int t = 0; t < n; ++t) {
      for (int r = t < grouped_tokens ? grouped_rows : 0; r < rows; ++r) {
        y_at(t, r) = reduce_lanes(singles[single++].data());
      }
    }
    add_bias(row0, rows);
  });
}

}  // namespace boxed::inference::cpu
