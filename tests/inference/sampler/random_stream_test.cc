// Philox4x32-10 against the published known-answer vectors, and the token_uniform contract.
#include "inference/sampler/random_stream.h"

#include <gtest/gtest.h>

#include <cmath>

namespace boxed::inference::sampler {
namespace {

struct Kat {
  PhiloxCounter ctr;
  PhiloxKey key;
  PhiloxCounter expected;
};

TEST(Philox4x32, MatchesRandom123KnownAnswers) {
  // Random123 1.14, tests/kat_vectors, the three "philox4x32 10" lines (counter, key, output).
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Kat& k : kats) EXPECT_EQ(philox4x32(k.ctr, k.key), k.expected);
  static_assert(philox4x32({0, 0, 0, 0}, {0, 0})[0] == 0x6627e8d5u, "usable at compile time");
}

TEST(TokenUniform, IsTheDocumentedFunctionOfThePhiloxBlock) {
  // seed 0, position 0 is counter {0,0,0,0}, key {0,0}: the first known answer above.
  const uint64_t bits = (uint64_t{0x6627e8d5} << 32 | 0xe169c58d) >> 11;
  EXPECT_EQ(token_uniform(0, 0), static_cast<double>(bits) * 0x1p-53);
  // The seed's low word is key[0]; the position's low word is counter[0].
  const PhiloxCounter x = philox4x32({5, 1, 0, 0}, {0xa4093822, 0x299f31d0});
  EXPECT_EQ(token_uniform(0x299f31d0a4093822ULL, (int64_t{1} << 32) + 5),
            static_cast<double>((uint64_t{x[0]} << 32 | x[1]) >> 11) * 0x1p-53);
}

TEST(TokenUniform, IsUniformOverPositions) {
  // Mean 1/2 and variance 1/12; with n = 100,000 the standard errors are 9e-4 and 2.7e-4.
  constexpr int kN = 100000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < kN; ++i) {
    const double u = token_uniform(12345, i);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum_sq += u * u;
  }
  const double mean = sum / kN;
  EXPECT_NEAR(mean, 0.5, 0.004);
  EXPECT_NEAR(sum_sq / kN - mean * mean, 1.0 / 12, 0.0015);
}

}  // namespace
}  // namespace boxed::inference::sampler
