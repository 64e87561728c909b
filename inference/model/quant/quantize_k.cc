// The K-quant encoders (Q4_K, Q5_K, Q6_K): two levels of scales, see quantize.h. Layouts: the
// decoders in blocks_k.h (ggml-common.h block_q4_K, block_q5_K, block_q6_K); every candidate is
// scored on the values exactly as those decoders compute them.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "inference/model/quant/fit.h"
#include "inference/model/quant/quantize.h"

namespace boxed::inference::model::quant {
namespace {

constexpr int kQK = 256;  // QK_K (ggml-common.h)
constexpr int kRefits = 2;

uint8_t* bytes_of(std::byte* p) { return reinterpret_cast<uint8_t*>(p); }

// ---- Q4_K / Q5_K: 8 sub-blocks of 32, 6-bit scale and minimum each, x = (d*sc)*q - (dmin*mn).

struct KxBlock {
  float d = 0, dmin = 0;
  int sc[8] = {}, mn[8] = {};
  int q[kQK] = {};
  double sse = std::numeric_limits<double>::infinity();
};

// Nearest levels of one sub-block under integer scale `sc` and minimum `mn`; the squared error.
double assign_kx(const float* x, float d, float dmin, int sc, int mn, int qmax, int* q) {
  const float dl = d * static_cast<float>(sc);
  const float ml = dmin * static_cast<float>(mn);
  const float inv = dl != 0 ? 1.0f / dl : 0.0f;
  double sse = 0;
  for (int l = 0; l < 32; ++l) {
    const int v = dl != 0 ? nearest_level(x[l] + ml, inv, 0, qmax) : 0;
    q[l] = v;
    const float diff = x[l] - (dl * static_cast<float>(v) - ml);
    sse += double(diff) * diff;
  }
  return sse;
}

// Under super-block scales (d, dmin): each sub-block's integer scale and minimum nearest to its
// own fit (s[j], m[j]), then the best of those +-1.
KxBlock settle_kx(const float* x, const float* s, const float* m, float d, float dmin, int qmax) {
  KxBlock b;
  b.d = d;
  b.dmin = dmin;
  b.sse = 0;
  int trial[32];
  for (int j = 0; j < 8; ++j) {
    const int sc0 = d > 0 ? static_cast<int>(std::clamp(std::lrintf(s[j] / d), 0L, 63L)) : 0;
    const int mn0 = dmin > 0 ? static_cast<int>(std::clamp(std::lrintf(m[j] / dmin), 0L, 63L)) : 0;
    double best = std::numeric_limits<double>::infinity();
    for (int a = -1; a <= 1; ++a) {
      for (int c = -1; c <= 1; ++c) {
        const int sc = sc0 + a, mn = mn0 + c;
        if (sc < 0 || sc > 63 || mn < 0 || mn > 63) continue;
        const double sse = assign_kx(x + 32 * j, d, dmin, sc, mn, qmax, trial);
        if (sse < best) {
          best = sse;
          b.sc[j] = sc;
          b.mn[j] = mn;
          std::copy(trial, trial + 32, b.q + 32 * j);
        }
      }
    }
    b.sse += best;
  }
  return b;
}

// Least squares for (d, dmin) over the whole super-block with the integer scales, minimums and
// levels of `b` held fixed: x ≈ d * (sc * q) - dmin * mn. false when there is no usable solution.
bool refit_kx(const float* x, const KxBlock& b, float& d, float& dmin) {
  double aa = 0, ab = 0, bb = 0, ax = 0, bx = 0;
  for (int i = 0; i < kQK; ++i) {
    const double a = double(b.sc[i / 32]) * b.q[i];
    const double c = -double(b.mn[i / 32]);
    aa += a * a;
    ab += a * c;
    bb += c * c;
    ax += a * x[i];
    bx += c * x[i];
  }
  const double det = aa * bb - ab * ab;
  double u = 0, v = 0;
  if (bb > 0 && det > 1e-9 * aa * bb) {
    u = (ax * bb - bx * ab) / det;
    v = (aa * bx - ab * ax) / det;
  }
  if (!(bb > 0 && det > 1e-9 * aa * bb) || v < 0) {  // no minimum to fit, or a negative one
    v = 0;
    u = aa > 0 ? ax / aa : 0;
  }
  if (!(u > 0) || !std::isfinite(u) || !std::isfinite(v)) return false;
  d = round_to_half(static_cast<float>(u));
  dmin = round_to_half(static_cast<float>(v));
  return std::isfinite(d) && std::isfinite(dmin);
}

KxBlock fit_kx(const float* x, int qmax) {
  float s[8], m[8];
  int scratch[32];
  float max_s = 0, max_m = 0;
  for (int j = 0; j < 8; ++j) {
    const AffineFit f = fit_affine(
        x + 32 * j, 32, {.qmax = qmax, .offset_nonpositive = true, .half_fields = false},
        scratch);
    s[j] = f.scale;
    m[j] = -f.offset;
    max_s = std::max(max_s, s[j]);
    max_m = std::max(max_m, m[j]);
  }
  KxBlock best = settle_kx(x, s, m, round_to_half(max_s / 63), round_to_half(max_m / 63), qmax);
  for (int r = 0; r < kRefits; ++r) {
    float d = 0, dmin = 0;
    if (!refit_kx(x, best, d, dmin)) break;
    const KxBlock trial = settle_kx(x, s, m, d, dmin, qmax);
    if (!(trial.sse < best.sse)) break;
    best = trial;
  }
  return best;
}

// d, dmin, then the 12 bytes of 6-bit scales and minimums as get_scale_min_k4 unpacks them
// (blocks_k.h unpack_scale_min_k4).
void store_kx_header(const KxBlock& b, std::byte* block) {
  store_half(block, b.d);
  store_half(block + 2, b.dmin);
  uint8_t* p = bytes_of(block) + 4;
  for (int j = 0; j < 4; ++j) {
    p[j] = static_cast<uint8_t>(b.sc[j] | ((b.sc[j + 4] >> 4) << 6));
    p[j + 4] = static_cast<uint8_t>(b.mn[j] | ((b.mn[j + 4] >> 4) << 6));
    p[j + 8] = static_cast<uint8_t>((b.sc[j + 4] & 0x0f) | ((b.mn[j + 4] & 0x0f) << 4));
  }
}

// Sub-blocks 2c and 2c + 1 share qs[32c + l] (low and high nibble).
void store_nibbles(const int* q, uint8_t* qs) {
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 32; ++l) {
      qs[32 * c + l] = static_cast<uint8_t>((q[64 * c + l] & 0x0f) | ((q[64 * c + 32 + l] & 0x0f) << 4));
    }
  }
}

// ---- Q6_K: 16 sub-blocks of 16, signed 8-bit scales, x = (d*sc)*(q - 32).

struct Q6Block {
  float d = 0;
  int sc[16] = {};
  int level[kQK] = {};  // q - 32, in [-32, 31]
  double sse = std::numeric_limits<double>::infinity();
};

Q6Block settle_q6(const float* x, const float* s, float d) {
  Q6Block b;
  b.d = d;
  b.sse = 0;
  int trial[16];
  for (int j = 0; j < 16; ++j) {
    const int sc0 = d != 0 ? static_cast<int>(std::clamp(std::lrintf(s[j] / d), -128L, 127L)) : 0;
    double best = std::numeric_limits<double>::infinity();
    for (int a = -1; a <= 1; ++a) {
      const int sc = sc0 + a;
      if (sc < -128 || sc > 127) continue;
      const float dl = d * static_cast<float>(sc);
      const float inv = dl != 0 ? 1.0f / dl : 0.0f;
      double sse = 0;
      for (int l = 0; l < 16; ++l) {
        const float v = x[16 * j + l];
        trial[l] = dl != 0 ? nearest_level(v, inv, -32, 31) : 0;
        const float diff = v - dl * static_cast<float>(trial[l]);
        sse += double(diff) * diff;
      }
      if (sse < best) {
        best = sse;
        b.sc[j] = sc;
        std::copy(trial, trial + 16, b.level + 16 * j);
      }
    }
    b.sse += best;
  }
  return b;
}

Q6Block fit_q6(const float* x) {
  float s[16];
  int scratch[16];
  float big = 0;
  for (int j = 0; j < 16; ++j) {
    s[j] = fit_symmetric(x + 16 * j, 16, {.qmin = -32, .qmax = 31, .half_scale = false},
                         scratch)
               .scale;
    if (std::fabs(s[j]) > std::fabs(big)) big = s[j];
  }
  if (big == 0) return settle_q6(x, s, 0);
  // The largest sub-block scale onto -128 (the long side of int8) or onto +127.
  Q6Block best = settle_q6(x, s, round_to_half(-big / 128));
  const Q6Block other = settle_q6(x, s, round_to_half(big / 127));
  if (other.sse < best.sse) best = other;
  for (int r = 0; r < kRefits; ++r) {
    double aa = 0, ax = 0;
    for (int i = 0; i < kQK; ++i) {
      const double a = double(best.sc[i / 16]) * best.level[i];
      aa += a * a;
      ax += a * x[i];
    }
    if (aa <= 0) break;
    const float d = round_to_half(static_cast<float>(ax / aa));
    if (d == 0 || !std::isfinite(d)) break;
    const Q6Block trial = settle_q6(x, s, d);
    if (!(trial.sse < best.sse)) break;
    best = trial;
  }
  return best;
}

}  // namespace

void encode_q4_k(const float* x, std::byte* block) {
  check_scale_fits_half(x, kQK, 0.5f * 15 * 63);  // d = max sub-block scale / 63; range <= 2 max|x|
  const KxBlock b = fit_kx(x, 15);
  store_kx_header(b, block);
  store_nibbles(b.q, bytes_of(block) + 16);
}

void encode_q5_k(const float* x, std::byte* block) {
  check_scale_fits_half(x, kQK, 0.5f * 31 * 63);
  const KxBlock b = fit_kx(x, 31);
  store_kx_header(b, block);
  // Bit 4 of element 32j + l is bit j of qh[l]; the low 4 bits as Q4_K.
  uint8_t* qh = bytes_of(block) + 16;
  std::memset(qh, 0, 32);
  for (int i = 0; i < kQK; ++i) qh[i % 32] |= static_cast<uint8_t>(((b.q[i] >> 4) & 1) << (i / 32));
  store_nibbles(b.q, bytes_of(block) + 48);
}

void encode_q6_k(const float* x, std::byte* block) {
  check_scale_fits_half(x, kQK, 32.0f * 127);
  const Q6Block b = fit_q6(x);
  uint8_t* ql = bytes_of(block);
  uint8_t* qh = ql + 128;
  std::memset(ql, 0, 192);
  // Element 128h + 32p + l: low 4 bits in the low (p < 2) or high (p >= 2) nibble of
  // ql[64h + 32(p % 2) + l], high 2 bits at bits 2p..2p+1 of qh[32h + l].
  for (int h = 0; h < 2; ++h) {
    for (int p = 0; p < 4; ++p) {
      for (int l = 0; l < 32; ++l) {
        const int u = b.level[128 * h + 32 * p + l] + 32;
        ql[64 * h + 32 * (p % 2) + l] |= static_cast<uint8_t>((u & 0x0f) << (p < 2 ? 0 : 4));
        qh[32 * h + l] |= static_cast<uint8_t>(((u >> 4) & 3) << (2 * p));
      }
    }
  }
  for (int j = 0; j < 16; ++j) {
    const int8_t v = static_cast<int8_t>(b.sc[j]);
    std::memcpy(block + 192 + j, &v, 1);
  }
  store_half(block + 208, b.d);
}

}  // namespace boxed::inference::model::quant
