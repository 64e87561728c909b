#include "metrics/pass_at_k.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace boxed::metrics {
namespace {

// Brute force: the fraction of k-subsets of n samples (c of them correct) with a correct one.
double brute_force_pass_at_k(int n, int c, int k) {
  int64_t hit = 0, total = 0;
  for (uint32_t mask = 0; mask < (1u << n); ++mask) {
    if (__builtin_popcount(mask) != k) continue;
    ++total;
    if ((mask & ((1u << c) - 1)) != 0) ++hit;  // samples 0..c-1 are the correct ones
  }
  return static_cast<double>(hit) / static_cast<double>(total);
}

TEST(PassAtK, MatchesBruteForceEnumeration) {
  for (int n = 1; n <= 12; ++n)
    for (int c = 0; c <= n; ++c)
      for (int k = 1; k <= n; ++k)
        EXPECT_NEAR(pass_at_k(n, c, k), brute_force_pass_at_k(n, c, k), 1e-12)
            << "n=" << n << " c=" << c << " k=" << k;
}

TEST(PassAtK, HandComputedCases) {
  EXPECT_DOUBLE_EQ(pass_at_k(64, 16, 1), 0.25);           // pass@1 is c/n
  EXPECT_NEAR(pass_at_k(4, 1, 2), 0.5, 1e-15);             // 1 - C(3,2)/C(4,2) = 1 - 3/6
  EXPECT_NEAR(pass_at_k(5, 2, 2), 0.7, 1e-15);             // 1 - C(3,2)/C(5,2) = 1 - 3/10
  EXPECT_DOUBLE_EQ(pass_at_k(64, 0, 64), 0.0);
  EXPECT_DOUBLE_EQ(pass_at_k(64, 1, 64), 1.0);
}

TEST(PassAtK, RejectsImpossibleCounts) {
  EXPECT_THROW(pass_at_k(4, 5, 1), std::invalid_argument);
  EXPECT_THROW(pass_at_k(4, 1, 5), std::invalid_argument);
  EXPECT_THROW(pass_at_k(4, 1, 0), std::invalid_argument);
  EXPECT_THROW(pass_at_k(0, 0, 1), std::invalid_argument);
}

}  // namespace
}  // namespace boxed::metrics
