// The scale searches behind the block encoders (quantize.h): for a group of n values, the scale
// (and offset) of a uniform grid of integer levels that gives the least squared error.
//
//   int q[32];
//   SymmetricFit f = fit_symmetric(x, 32, {.qmin = -8, .qmax = 7, .half_scale = true}, q);
//   // x[i] ≈ f.scale * q[i], f.scale already an fp16 value (what block_q4_0 stores as d)
//
// The method (written for boxed; the idea is the one ggml-quants.c's make_qx_quants /
// make_qkx2_quants use): try a small grid of candidate scales around the one that maps the
// extreme value onto the extreme level, round every value to its nearest level for each
// candidate, refit the scale (and offset) to those levels by least squares, round again, and keep
// whichever scale gives the smallest squared error, measured exactly as the decoder will
// reconstruct the values. The plain "extreme value onto the extreme level" scale is always one of
// the candidates, so the result is never worse than the reference encoders' choice on the same
// group.
#pragma once

#include <cmath>

namespace boxed::inference::model::quant {

// The nearest fp16 value (round to nearest even): what a ggml_half field stores.
float round_to_half(float x);

struct SymmetricOptions {
  int qmin = -8;            // integer levels [qmin, qmax], e.g. Q4_0 [-8, 7], Q6_K [-32, 31]
  int qmax = 7;
  // Candidates: the extreme level +- step * k for k in [-grid, grid]. ±1 level in steps of 0.2
  // finds within 0.01 % of the squared error of steps of 0.1 or 0.05 on Gaussian and t(3)
  // blocks, at half and a quarter of the cost.
  int grid = 5;
  float step = 0.2f;
  bool half_scale = false;  // the scale is stored as fp16: evaluate candidates after rounding
};
struct SymmetricFit {
  float scale = 0;  // may be negative: the largest magnitude then lands on qmin (the long side)
  double sse = 0;
};
// x[i] ≈ scale * q[i]. Writes q[0..n). All-zero input gives scale 0 and q = 0.
SymmetricFit fit_symmetric(const float* x, int n, const SymmetricOptions& options, int* q);

struct AffineOptions {
  int qmax = 15;                    // levels [0, qmax]
  int grid = 5;                     // candidates: qmax +- step * k steps over the value range
  float step = 0.2f;
  bool offset_nonpositive = false;  // K-quants store -offset as an unsigned minimum
  bool half_fields = false;         // scale and offset stored as fp16 (Q4_1, Q5_1)
};
struct AffineFit {
  float scale = 0;   // >= 0
  float offset = 0;  // x[i] ≈ scale * q[i] + offset
  double sse = 0;
};
AffineFit fit_affine(const float* x, int n, const AffineOptions& options, int* q);

// Throws std::domain_error when the block scale max|x| / levels cannot be an fp16 value (above
// 65504, IEEE 754 binary16's largest finite value): the block cannot be encoded.
void check_scale_fits_half(const float* x, int n, float levels);

// The nearest level of x under `scale` (0 when scale is 0), clamped to [qmin, qmax]. lrintf
// rounds half to even in the default rounding mode, as ggml's nearest_int does.
inline int nearest_level(float x, float inverse_scale, int qmin, int qmax) {
  const long l = std::lrintf(x * inverse_scale);
  return static_cast<int>(l < qmin ? qmin : l > qmax ? qmax : l);
}

}  // namespace boxed::inference::model::quant
