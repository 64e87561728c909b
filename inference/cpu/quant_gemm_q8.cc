#include "inference/cpu/quant_gemm_q8.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#define BOXED_Q8_KERNELS 1
#include <immintrin.h>

#include "inference/cpu/q8_blocks_avx512.h"
#endif

#include "inference/cpu/matmul.h"

namespace boxed::inference::cpu {

namespace {

// How a block type's weights are written for the tile kernel: weight = scale * (code - zero
// point) + offset, one scale (and offset) per group of `group` elements.
struct CodeForm {
  int group;
  int zero_point;
  bool has_offset;
};

CodeForm code_form(model::DType dtype) {
  using model::DType;
  switch (dtype) {
    case DType::kQ5_0: return {32, 16, false};
    case DType::kQ4_1: return {32, 0, true};
    case DType::kQ8_0: return {32, 128, false};  // int8 codes entered as q + 128
    case DType::kQ4_K: return {32, 0, true};
    case DType::kQ6_K: return {16, 32, false};
    default:
      throw std::invalid_argument(fmt::format("Q8Batch: no int8 kernel for {}", model::dtype_name(dtype)));
  }
}

}  // namespace

Q8Batch::Q8Batch(model::DType dtype, const Q8Activations* x, int n) : x_(x), n_(n) {
  const CodeForm form = code_form(dtype);
  in_ = n > 0 ? x[0].n : 0;
  group_ = form.group;
  groups_ = in_ / group_;
  start_.resize(static_cast<size_t>(n) * groups_);
  d_.resize(start_.size());
  sum_.resize(start_.size());
  const int per_block = kQ8BlockElems / group_;  // groups per activation block: 1 or 2
  for (int t = 0; t < n; ++t) {
    if (x[t].n != in_) {
      throw std::invalid_argument(fmt::format("Q8Batch: token {} has {} elements, token 0 {}", t, x[t].n, in_));
    }
    for (int g = 0; g < groups_; ++g) {
      const int b = g / per_block;
      // lane_sum16 holds Σq of elements 16i..16i+15 at lane 4i (quant_dot_q8.h).
      const int32_t q_sum = group_ == 16 ? x[t].lane_sum16[4 * g]
                                         : x[t].lane_sum16[8 * b] + x[t].lane_sum16[8 * b + 4];
      const size_t i = static_cast<size_t>(t) * groups_ + g;
      start_[i] = -form.zero_point * q_sum;
      d_[i] = x[t].d[b];
      sum_[i] = x[t].d[b] * static_cast<float>(q_sum);
    }
  }
}

#if defined(BOXED_Q8_KERNELS)

namespace {

// One tile of up to 16 rows as the kernel reads it: codes[k / 4][row][k % 4] (64 bytes per 4
// elements of k), scale[group][row], offset[group][row]; rows past the tile's end are zero.
struct PackedTile {
  std::vector<uint8_t> codes;
  std::vector<float> scale, offset;
};

// A block type's unsigned codes for elements 64j..64j+63 of a row, in element order (code_form's
// zero points), and its scales and offsets per group.
template <model::DType kType>
__m512i codes64(const std::byte* row, int j) {
  using model::DType;
  if constexpr (kType == DType::kQ5_0) {  // bit 4 of element i from bit i of the block's qh
    const uint8_t* p0 = quant::block_bytes(row + static_cast<size_t>(j) * 44);
    const uint8_t* p1 = p0 + 22;
    const __mmask64 high = static_cast<__mmask64>(quant::load_u32_le(p0 + 2)) |
                           (static_cast<__mmask64>(quant::load_u32_le(p1 + 2)) << 32);
    const __m512i w = nibbles_two_blocks(p0 + 6, p1 + 6);
    return _mm512_mask_add_epi8(w, high, w, _mm512_set1_epi8(0x10));
  } else if constexpr (kType == DType::kQ4_1) {
    const uint8_t* p0 = quant::block_bytes(row + static_cast<size_t>(j) * 40);
    return nibbles_two_blocks(p0 + 4, p0 + 24);
  } else if constexpr (kType == DType::kQ8_0) {  // int8 codes + 128
    const std::byte* b0 = row + static_cast<size_t>(j) * 68;
    const __m512i w = _mm512_maskz_inserti64x4(
        0xff, _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2))),
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 36)), 1);
    return _mm512_xor_si512(w, _mm512_set1_epi8(static_cast<char>(0x80)));
  } else if constexpr (kType == DType::kQ4_K) {
    const uint8_t* qs = quant::block_bytes(row + static_cast<size_t>(j / 4) * 144) + 16;
    return nibbles_one_run(qs + 32 * (j % 4));
  } else {
    static_assert(kType == DType::kQ6_K);
    return q6_k_codes64(quant::block_bytes(row + static_cast<size_t>(j / 4) * 210), (j % 4) / 2, j % 2);
  }
}

// scale[g * kTileRows] and offset[g * kTileRows] for each group g of the row.
template <model::DType kType>
void row_scales(const std::byte* row, int in, float* scale, float* offset) {
  using model::DType;
  alignas(64) float lanes[16];
  if constexpr (kType == DType::kQ5_0 || kType == DType::kQ8_0) {
    const size_t block_bytes = kType == DType::kQ5_0 ? 22 : 34;
    for (int b = 0; b < in / 32; ++b) scale[kTileRows * b] = quant::load_half(row + b * block_bytes);
  } else if constexpr (kType == DType::kQ4_1) {
    for (int b = 0; b < in / 32; ++b) {
      scale[kTileRows * b] = quant::load_half(row + b * 20);
      offset[kTileRows * b] = quant::load_half(row + b * 20 + 2);
    }
  } else if constexpr (kType == DType::kQ4_K) {
    for (int b = 0; b < in / 256; ++b) {
      _mm512_store_ps(lanes, q4_k_scales_and_mins(row + static_cast<size_t>(b) * 144));  // d·sc, dmin·mn
      for (int s = 0; s < 8; ++s) {
        scale[kTileRows * (8 * b + s)] = lanes[s];
        offset[kTileRows * (8 * b + s)] = -lanes[8 + s];
      }
    }
  } else {
    static_assert(kType == DType::kQ6_K);
    for (int b = 0; b < in / 256; ++b) {
      _mm512_store_ps(lanes, q6_k_scales(row + static_cast<size_t>(b) * 210));
      for (int s = 0; s < 16; ++s) scale[kTileRows * (16 * b + s)] = lanes[s];
    }
  }
}

// Transposes 16 rows' 64 codes (16 int32 each) into 16 zmm of 4 codes of each row: out[c] holds
// int32 c of rows 0..15, the vpdpbusd layout of elements 4c..4c+3.
void transpose_16x16(const __m512i in[16], __m512i out[16]) {
  __m512i t[16], u[16];
  for (int i = 0; i < 16; i += 2) {  // per 128-bit lane: [a0 b0 a1 b1], [a2 b2 a3 b3]
    t[i] = _mm512_maskz_unpacklo_epi32(kAll, in[i], in[i + 1]);
    t[i + 1] = _mm512_maskz_unpackhi_epi32(kAll, in[i], in[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {  // per lane: int32 j of rows i..i+3 in u[i + j]
    u[i] = _mm512_maskz_unpacklo_epi64(0xff, t[i], t[i + 2]);
    u[i + 1] = _mm512_maskz_unpackhi_epi64(0xff, t[i], t[i + 2]);
    u[i + 2] = _mm512_maskz_unpacklo_epi64(0xff, t[i + 1], t[i + 3]);
    u[i + 3] = _mm512_maskz_unpackhi_epi64(0xff, t[i + 1], t[i + 3]);
  }
  for (int j = 0; j < 4; ++j) {  // int32 4l + j of every row from lane l of u[j], u[4 + j], ...
    const __m512i a = _mm512_maskz_shuffle_i32x4(kAll, u[j], u[4 + j], _MM_SHUFFLE(1, 0, 1, 0));
    const __m512i b = _mm512_maskz_shuffle_i32x4(kAll, u[8 + j], u[12 + j], _MM_SHUFFLE(1, 0, 1, 0));
    const __m512i c = _mm512_maskz_shuffle_i32x4(kAll, u[j], u[4 + j], _MM_SHUFFLE(3, 2, 3, 2));
    const __m512i d = _mm512_maskz_shuffle_i32x4(kAll, u[8 + j], u[12 + j], _MM_SHUFFLE(3, 2, 3, 2));
    out[j] = _mm512_maskz_shuffle_i32x4(kAll, a, b, _MM_SHUFFLE(2, 0, 2, 0));
    out[4 + j] = _mm512_maskz_shuffle_i32x4(kAll, a, b, _MM_SHUFFLE(3, 1, 3, 1));
    out[8 + j] = _mm512_maskz_shuffle_i32x4(kAll, c, d, _MM_SHUFFLE(2, 0, 2, 0));
    out[12 + j] = _mm512_maskz_shuffle_i32x4(kAll, c, d, _MM_SHUFFLE(3, 1, 3, 1));
  }
}

// Per 64 elements of k, the 16 rows' codes straight from their blocks into registers, transposed
// into the kernel's layout.
template <model::DType kType>
void pack_tile(const std::byte* rows, size_t row_bytes, int n_rows, int in, int groups, PackedTile& tile) {
  tile.codes.resize(static_cast<size_t>(kTileRows) * in);
  tile.scale.assign(static_cast<size_t>(groups) * kTileRows, 0.0f);
  tile.offset.assign(static_cast<size_t>(groups) * kTileRows, 0.0f);
  for (int j = 0; j < in / 64; ++j) {
    __m512i by_row[16], by_k[16];
    for (int r = 0; r < 16; ++r) {
      by_row[r] = r < n_rows ? codes64<kType>(rows + r * row_bytes, j) : _mm512_setzero_si512();
    }
    transpose_16x16(by_row, by_k);
    for (int c = 0; c < 16; ++c) _mm512_storeu_si512(tile.codes.data() + 1024 * j + 64 * c, by_k[c]);
  }
  for (int r = 0; r < n_rows; ++r) {
    row_scales<kType>(rows + r * row_bytes, in, tile.scale.data() + r, tile.offset.data() + r);
  }
}

void pack_tile(model::DType dtype, const std::byte* rows, size_t row_bytes, int n_rows, int in,
               int groups, PackedTile& tile) {
  using model::DType;
  switch (dtype) {
    case DType::kQ5_0: return pack_tile<DType::kQ5_0>(rows, row_bytes, n_rows, in, groups, tile);
    case DType::kQ4_1: return pack_tile<DType::kQ4_1>(rows, row_bytes, n_rows, in, groups, tile);
    case DType::kQ8_0: return pack_tile<DType::kQ8_0>(rows, row_bytes, n_rows, in, groups, tile);
    case DType::kQ4_K: return pack_tile<DType::kQ4_K>(rows, row_bytes, n_rows, in, groups, tile);
    case DType::kQ6_K: return pack_tile<DType::kQ6_K>(rows, row_bytes, n_rows, in, groups, tile);
    default: return;  // unreachable: code_form refused the type
  }
}

inline int32_t load_i32(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Tokens t0..t0+kT-1 against the packed tile: per group of kGroup elements, kGroup / 4
// vpdpbusd per token into an integer accumulator started at -(zero point) * Σq, then folded
// into the token's float accumulator with scale * d_x (and offset * d_x Σq).
template <int kT, int kGroup, bool kOffset>
void tile_tokens(const PackedTile& tile, const Q8Batch& batch, int t0, __mmask16 row_mask, float* y,
                 size_t y_stride) {
  const int groups = batch.n_elems() / kGroup;
  __m512 acc[kT];
  const int8_t* q[kT];
  const int32_t* start[kT];
  const float* d[kT];
  const float* sum[kT];
  for (int t = 0; t < kT; ++t) {
    acc[t] = _mm512_setzero_ps();
    q[t] = batch.q(t0 + t);
    start[t] = batch.start(t0 + t);
    d[t] = batch.d(t0 + t);
    sum[t] = batch.sum(t0 + t);
  }
  for (int g = 0; g < groups; ++g) {
    __m512i iacc[kT];
    for (int t = 0; t < kT; ++t) iacc[t] = _mm512_set1_epi32(start[t][g]);
    const uint8_t* w = tile.codes.data() + static_cast<size_t>(g) * kGroup * kTileRows;
#pragma GCC unroll 8
    for (int s = 0; s < kGroup / 4; ++s) {
      const __m512i wv = _mm512_loadu_si512(w + 64 * s);
      for (int t = 0; t < kT; ++t) {
        iacc[t] = _mm512_dpbusd_epi32(iacc[t], wv, _mm512_set1_epi32(load_i32(q[t] + g * kGroup + 4 * s)));
      }
    }
    const __m512 scale = _mm512_loadu_ps(tile.scale.data() + static_cast<size_t>(g) * kTileRows);
    for (int t = 0; t < kT; ++t) {
      acc[t] = _mm512_fmadd_ps(_mm512_maskz_cvtepi32_ps(kAll, iacc[t]),
                               _mm512_mul_ps(scale, _mm512_set1_ps(d[t][g])), acc[t]);
    }
    if constexpr (kOffset) {
      const __m512 offset = _mm512_loadu_ps(tile.offset.data() + static_cast<size_t>(g) * kTileRows);
      for (int t = 0; t < kT; ++t) acc[t] = _mm512_fmadd_ps(offset, _mm512_set1_ps(sum[t][g]), acc[t]);
    }
  }
  for (int t = 0; t < kT; ++t) _mm512_mask_storeu_ps(y + (t0 + t) * y_stride, row_mask, acc[t]);
}

// Up to kMaxTokens tokens per pass: 8 float and 8 integer accumulators, the tile's zmm, its
// scale, offset and the broadcasts fit the 32 registers.
constexpr int kMaxTokens = 8;

template <int kGroup, bool kOffset>
void tile_all_tokens(const PackedTile& tile, const Q8Batch& batch, __mmask16 row_mask, float* y,
                     size_t y_stride) {
  int t0 = 0;
  for (; t0 + kMaxTokens <= batch.n_tokens(); t0 += kMaxTokens) {
    tile_tokens<kMaxTokens, kGroup, kOffset>(tile, batch, t0, row_mask, y, y_stride);
  }
  switch (batch.n_tokens() - t0) {
    case 7: tile_tokens<7, kGroup, kOffset>(tile, batch, t0, row_mask, y, y_stride); break;
    case 6: tile_tokens<6, kGroup, kOffset>(tile, batch, t0, row_mask, y, y_stride); break;
    case 5: tile_tokens<5, kGroup, kOffset>(tile, batch, t0, row_mask, y, y_stride); break;
    case 4: tile_tokens<4, kGroup, kOffset>(tile, batch, t0, row_mask, y, y_stride); break;
    case 3: tile_tokens<3, kGroup, kOffset>(tile, batch, t0, row_mask, y, y_stride); break;
    case 2: tile_tokens<2, kGroup, kOffset>(tile, batch, t0, row_mask, y, y_stride); break;
    case 1: tile_tokens<1, kGroup, kOffset>(tile, batch, t0, row_mask, y, y_stride); break;
    default: break;
  }
}

}  // namespace

bool quant_gemm_q8_tile(model::DType dtype, const std::byte* rows, size_t row_bytes, int n_rows,
                        const Q8Batch& batch, float* y, size_t y_stride) {
  const int in = batch.n_elems();
  if (!quant_dot_q8_supported(dtype, in) || n_rows <= 0 || n_rows > kTileRows) return false;
  const CodeForm form = code_form(dtype);
  if (form.group != batch.group_elems()) {
    throw std::invalid_argument(fmt::format("quant_gemm_q8_tile: a batch prepared for groups of {} elements, {} has {}",
                                            batch.group_elems(), model::dtype_name(dtype), form.group));
  }
  thread_local PackedTile tile;
  pack_tile(dtype, rows, row_bytes, n_rows, in, in / form.group, tile);
  const auto row_mask = static_cast<__mmask16>((1u << n_rows) - 1);
  if (form.group == 16) {
    tile_all_tokens<16, false>(tile, batch, row_mask, y, y_stride);
  } else if (form.has_offset) {
    tile_all_tokens<32, true>(tile, batch, row_mask, y, y_stride);
  } else {
    tile_all_tokens<32, false>(tile, batch, row_mask, y, y_stride);
  }
  return true;
}

#else

bool quant_gemm_q8_tile(model::DType, const std::byte*, size_t, int, const Q8Batch&, float*, size_t) {
  return false;
}

#endif

}  // namespace boxed::inference::cpu
