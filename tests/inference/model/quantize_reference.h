// The plain encodings of the GGML block types that boxed's encoders must never do worse than,
// written here independently of inference/model/quant/ (no packing: the decoded values are
// computed directly). Each is the choice of ggml-quants.c's reference encoders
// (quantize_row_q8_0_ref ... quantize_row_q6_K_ref) without their iterative searches: the
// extreme value onto the extreme level, and for the K-quants per-sub-block ranges quantized to
// 6-bit (Q4_K, Q5_K) or int8 (Q6_K) multiples of an fp16 super-block scale.
//
//   ReferenceError r = reference_sse(DType::kQ4_K, values);   // r.sse, r.step2_over_12
//   std::vector<float> y = encode_decode(DType::kQ4_K, values); // boxed's encoder, then decoder
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "inference/model/dtype.h"
#include "inference/model/quant/dequantize.h"
#include "inference/model/quant/quantize.h"

namespace boxed::inference::model::testing {

// `x` through boxed's encoder and back through the decoder.
inline std::vector<float> encode_decode(DType t, const std::vector<float>& x) {
  std::vector<std::byte> blocks(dtype_row_bytes(t, static_cast<int64_t>(x.size())));
  quant::quantize_row(t, x.data(), static_cast<int64_t>(x.size()), blocks.data());
  std::vector<float> y(x.size());
  quant::dequantize_row(t, blocks.data(), static_cast<int64_t>(x.size()), y.data());
  return y;
}

inline double squared_error(const std::vector<float>& x, const std::vector<float>& y) {
  double s = 0;
  for (size_t i = 0; i < x.size(); ++i) s += double(x[i] - y[i]) * (x[i] - y[i]);
  return s;
}

struct ReferenceError {
  double sse = 0;            // squared error of the plain encoding
  double step2_over_12 = 0;  // sum over elements of (grid step)^2 / 12: uniform rounding noise
};

inline float ref_half(float x) { return f16_to_f32(f32_to_f16(x)); }

inline int ref_level(float x, float step, int lo, int hi) {
  if (step == 0) return 0;
  return std::clamp(static_cast<int>(std::lrint(x / step)), lo, hi);
}

inline void ref_add(ReferenceError& e, float x, float y, float step) {
  e.sse += double(x - y) * (x - y);
  e.step2_over_12 += double(step) * step / 12;
}

inline ReferenceError reference_sse(DType t, const std::vector<float>& x) {
  ReferenceError e;
  const size_t n = x.size();
  auto extreme = [&](size_t at, size_t len) {
    float m = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (std::fabs(x[i]) > std::fabs(m)) m = x[i];
    }
    return m;
  };
  if (t == DType::kQ8_0 || t == DType::kQ4_0 || t == DType::kQ5_0) {
    const int lo = t == DType::kQ8_0 ? -127 : t == DType::kQ4_0 ? -8 : -16;
    const int hi = t == DType::kQ8_0 ? 127 : -lo - 1;
    for (size_t b = 0; b < n; b += 32) {
      const float d = ref_half(extreme(b, 32) / static_cast<float>(lo));
      for (size_t i = b; i < b + 32; ++i) {
        ref_add(e, x[i], d * static_cast<float>(ref_level(x[i], d, lo, hi)), std::fabs(d));
      }
    }
  } else if (t == DType::kQ4_1 || t == DType::kQ5_1) {
    const int qmax = t == DType::kQ4_1 ? 15 : 31;
    for (size_t b = 0; b < n; b += 32) {
      const auto [mn, mx] = std::minmax_element(x.begin() + b, x.begin() + b + 32);
      const float d = ref_half((*mx - *mn) / static_cast<float>(qmax)), m = ref_half(*mn);
      for (size_t i = b; i < b + 32; ++i) {
        ref_add(e, x[i], d * static_cast<float>(ref_level(x[i] - m, d, 0, qmax)) + m, d);
      }
    }
  } else if (t == DType::kQ4_K || t == DType::kQ5_K) {
    const int qmax = t == DType::kQ4_K ? 15 : 31;
    for (size_t b = 0; b < n; b += 256) {
      float s[8], m[8], max_s = 0, max_m = 0;
      for (int j = 0; j < 8; ++j) {
        const auto [lo_it, hi_it] = std::minmax_element(x.begin() + b + 32 * j, x.begin() + b + 32 * j + 32);
        const float lo = std::min(*lo_it, 0.0f);
        s[j] = (*hi_it - lo) / static_cast<float>(qmax);
        m[j] = -lo;
        max_s = std::max(max_s, s[j]);
        max_m = std::max(max_m, m[j]);
      }
      const float d = ref_half(max_s / 63), dmin = ref_half(max_m / 63);
      for (int j = 0; j < 8; ++j) {
        const int sc = d > 0 ? std::clamp(static_cast<int>(std::lrint(s[j] / d)), 0, 63) : 0;
        const int mn = dmin > 0 ? std::clamp(static_cast<int>(std::lrint(m[j] / dmin)), 0, 63) : 0;
        const float dl = d * static_cast<float>(sc), ml = dmin * static_cast<float>(mn);
        for (size_t i = b + 32 * j; i < b + 32 * j + 32; ++i) {
          ref_add(e, x[i], dl * static_cast<float>(ref_level(x[i] + ml, dl, 0, qmax)) - ml, dl);
        }
      }
    }
  } else if (t == DType::kQ6_K) {
    for (size_t b = 0; b < n; b += 256) {
      float s[16], big = 0;
      for (int j = 0; j < 16; ++j) {
        s[j] = extreme(b + 16 * j, 16) / -32.0f;
        if (std::fabs(s[j]) > std::fabs(big)) big = s[j];
      }
      const float d = ref_half(big / -128.0f);
      for (int j = 0; j < 16; ++j) {
        const int sc = d != 0 ? std::clamp(static_cast<int>(std::lrint(s[j] / d)), -128, 127) : 0;
        const float dl = d * static_cast<float>(sc);
        for (size_t i = b + 16 * j; i < b + 16 * j + 16; ++i) {
          ref_add(e, x[i], dl * static_cast<float>(ref_level(x[i], dl, -32, 31)), std::fabs(dl));
        }
      }
    }
  }
  return e;
}

}  // namespace boxed::inference::model::testing
