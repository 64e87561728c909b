// pass@k by the unbiased estimator of Chen et al., "Evaluating Large Language Models Trained on
// Code" (2021), eq. 1: with n samples of which c are correct,
//   pass@k = 1 - C(n-c, k) / C(n, k),
// computed as a running product so that n = 64, 1024, ... never overflows.
//
//   double p = pass_at_k(/*n=*/64, /*c=*/3, /*k=*/8);
#pragma once

#include <cstdint>
#include <vector>

namespace boxed::metrics {

// Requires 0 <= c <= n and 1 <= k <= n; throws std::invalid_argument otherwise.
double pass_at_k(int64_t n, int64_t c, int64_t k);

// The k a report lists for n samples: 1, 2, 4, ... (powers of two) up to n, and n itself when n
// is not a power of two (n = 48 -> 1 2 4 8 16 32 48). Empty for n < 1.
std::vector<int64_t> report_ks(int64_t n);

}  // namespace boxed::metrics
