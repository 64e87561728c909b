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

}  // namespace boxed::metrics
