#include "metrics/standard_error.h"

#include <cmath>

namespace boxed::metrics {

double mean(std::span<const double> values) {
  if (values.empty()) return 0;
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

double standard_error_of_mean(std::span<const double> values) {
  const size_t n = values.size();
  if (n < 2) return 0;
  const double m = mean(values);
  double ss = 0;
  for (double v : values) ss += (v - m) * (v - m);
  return std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n));
}

double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) return std::nan("");
  // Start: Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4), then Newton on Phi(x) - p, with
  // Phi(x) = erfc(-x / sqrt 2) / 2 and Phi'(x) the normal density.
  const double q = p < 0.5 ? p : 1 - p;
  const double t = std::sqrt(-2 * std::log(q));
  double x = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
                     (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
  if (p < 0.5) x = -x;
  for (int step = 0; step < 4; ++step) {
    const double cdf = 0.5 * std::erfc(-x / std::sqrt(2.0));
    const double density = std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
    x -= (cdf - p) / density;
  }
  return x;
}

}  // namespace boxed::metrics
