#include "inference/model/quant/fit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "inference/model/dtype.h"
#include "inference/model/quant/half.h"

namespace boxed::inference::model::quant {
namespace {

constexpr int kMaxGroup = 256;  // QK_K: the largest group any block type fits at once

}  // namespace

float round_to_half(float x) { return half_bits_to_f32(f32_to_f16(x)); }

void check_scale_fits_half(const float* x, int n, float levels) {
  float amax = 0;
  for (int i = 0; i < n; ++i) amax = std::max(amax, std::fabs(x[i]));
  if (amax / levels > 65504.0f) {
    throw std::domain_error(fmt::format(
        "a block with |x| up to {} needs a scale of {}, beyond fp16's largest value 65504", amax, amax / levels));
  }
}

SymmetricFit fit_symmetric(const float* x, int n, const SymmetricOptions& o, int* q) {
  if (n > kMaxGroup) throw std::logic_error("fit_symmetric: group larger than 256");
  float amax = 0, extreme = 0;
  double sum_x2 = 0;
  for (int i = 0; i < n; ++i) {
    sum_x2 += double(x[i]) * x[i];
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      extreme = x[i];
    }
  }
  std::fill(q, q + n, 0);
  SymmetricFit best{.scale = 0, .sse = sum_x2};  // scale 0: every value decodes to 0
  if (amax == 0) return best;

  int trial[kMaxGroup];
  // Rounds every value to its nearest level under `s` and keeps s when it beats the best so far.
  // Returns the least-squares scale for the levels it chose (0 when there is none).
  auto evaluate = [&](float s) -> float {
    if (o.half_scale) s = round_to_half(s);
    if (s == 0 || !std::isfinite(s)) return 0;
    const float inv = 1.0f / s;
    double sse = 0, sum_lx = 0, sum_l2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = nearest_level(x[i], inv, o.qmin, o.qmax);
      trial[i] = l;
      const float diff = x[i] - s * static_cast<float>(l);
      sse += double(diff) * diff;
      sum_lx += double(l) * x[i];
      sum_l2 += double(l) * l;
    }
    if (sse < best.sse) {
      best = {.scale = s, .sse = sse};
      std::copy(trial, trial + n, q);
    }
    return sum_l2 > 0 ? static_cast<float>(sum_lx / sum_l2) : 0.0f;
  };
  // The extreme value onto the extreme level of either side of the range, then the grid around
  // that level. When the range is symmetric (Q8_0) both sides give the same errors.
  const int sides[2] = {o.qmin, o.qmax};
  for (int side : sides) {
    if (side == 0 || (side == o.qmax && -o.qmin == o.qmax)) continue;
    for (int k = -o.grid; k <= o.grid; ++k) {
      const float magnitude = static_cast<float>(std::abs(side)) + o.step * static_cast<float>(k);
      if (magnitude < 0.5f) continue;
      const float level = side < 0 ? -magnitude : magnitude;
      const float refit = evaluate(extreme / level);
      if (refit != 0) evaluate(refit);
    }
  }
  return best;
}

AffineFit fit_affine(const float* x, int n, const AffineOptions& o, int* q) {
  if (n > kMaxGroup) throw std::logic_error("fit_affine: group larger than 256");
  float lo = x[0], hi = x[0];
  for (int i = 1; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  if (o.offset_nonpositive) lo = std::min(lo, 0.0f);
  std::fill(q, q + n, 0);
  if (hi == lo) {  // a constant group: the offset alone
    const float offset = o.half_fields ? round_to_half(lo) : lo;
    double sse = 0;
    for (int i = 0; i < n; ++i) sse += double(x[i] - offset) * (x[i] - offset);
    return {.scale = 0, .offset = offset, .sse = sse};
  }

  AffineFit best{.scale = 0, .offset = 0, .sse = std::numeric_limits<double>::infinity()};
  int trial[kMaxGroup];
  struct Sums {
    double l = 0, l2 = 0, x = 0, lx = 0;
  };
  // Rounds every value to its nearest level under (s, offset), keeps the pair when it beats the
  // best so far, and returns the sums the least-squares refit needs.
  auto evaluate = [&](float s, float offset) -> Sums {
    Sums sums;
    if (o.half_fields) {
      s = round_to_half(s);
      offset = round_to_half(offset);
    }
    if (!(s > 0) || !std::isfinite(s) || !std::isfinite(offset)) return sums;
    const float inv = 1.0f / s;
    double sse = 0;
    for (int i = 0; i < n; ++i) {
      const int l = nearest_level(x[i] - offset, inv, 0, o.qmax);
      trial[i] = l;
      const float diff = x[i] - (s * static_cast<float>(l) + offset);
      sse += double(diff) * diff;
      sums.l += l;
      sums.l2 += double(l) * l;
      sums.x += x[i];
      sums.lx += double(l) * x[i];
    }
    if (sse < best.sse) {
      best = {.scale = s, .offset = offset, .sse = sse};
      std::copy(trial, trial + n, q);
    }
    return sums;
  };
  for (int k = -o.grid; k <= o.grid; ++k) {
    const float steps = static_cast<float>(o.qmax) + o.step * static_cast<float>(k);
    if (steps < 1) continue;
    const Sums s = evaluate((hi - lo) / steps, lo);
    // Least squares for x ≈ scale * l + offset over the levels just chosen.
    const double det = n * s.l2 - s.l * s.l;
    if (det <= 0) continue;
    double scale = (n * s.lx - s.l * s.x) / det;
    double offset = (s.x - scale * s.l) / n;
    if (o.offset_nonpositive && offset > 0) {
      offset = 0;
      scale = s.lx / s.l2;
    }
    evaluate(static_cast<float>(scale), static_cast<float>(offset));
  }
  if (!std::isfinite(best.sse)) {
    // No candidate scale was usable (a range too large for fp16 fields): the caller's range
    // check reports it; leave a zero scale.
    best = {.scale = 0, .offset = o.half_fields ? round_to_half(lo) : lo, .sse = 0};
  }
  return best;
}

}  // namespace boxed::inference::model::quant
