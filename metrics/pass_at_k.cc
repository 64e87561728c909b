#include "metrics/pass_at_k.h"

#include <fmt/format.h>

#include <stdexcept>

namespace boxed::metrics {

double pass_at_k(int64_t n, int64_t c, int64_t k) {
  if (n < 1 || c < 0 || c > n || k < 1 || k > n) {
    throw std::invalid_argument(
        fmt::format("pass@k needs 0 <= c <= n and 1 <= k <= n; got n={}, c={}, k={}", n, c, k));
  }
  if (n - c < k) return 1.0;  // every k-subset contains a correct sample
  // C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i)
  double fail = 1.0;
  for (int64_t i = n - c + 1; i <= n; ++i) fail *= 1.0 - static_cast<double>(k) / static_cast<double>(i);
  return 1.0 - fail;
}

std::vector<int64_t> report_ks(int64_t n) {
  std::vector<int64_t> ks;
  for (int64_t k = 1; k <= n; k *= 2) ks.push_back(k);
  if (n >= 1 && ks.back() != n) ks.push_back(n);
  return ks;
}

}  // namespace boxed::metrics
