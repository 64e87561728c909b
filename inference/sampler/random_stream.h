// A counter-based random stream: the uniform number for a token is a pure function of the
// request seed and the token's position, never of a generator state, a batch slot or a thread.
//
//   double u = token_uniform(request.seed, /*position=*/prompt_tokens + i);   // in [0, 1)
//
// The bits come from Philox4x32-10 (J. K. Salmon, M. A. Moraes, R. O. Dror, D. E. Shaw,
// "Parallel Random Numbers: As Easy as 1, 2, 3", SC'11, section 4.2; round constants and the
// Weyl key increments are the paper's, as published in Random123's philox.h).
//
// THE CONTRACT a GPU sampler must honour to draw the same numbers (same counter -> same u):
//   key     = { low 32 bits of seed, high 32 bits of seed }
//   counter = { low 32 bits of position, high 32 bits of position, kTokenStream, 0 }
//   x       = philox4x32_10(counter, key)
//   u       = ((uint64(x[0]) << 32 | x[1]) >> 11) * 2^-53        (exact in a double, in [0, 1))
// Everything is integer arithmetic except the final exact scaling, so a CUDA kernel computing
// these lines with __umulhi gets bit-identical u.
#pragma once

#include <array>
#include <cstdint>

namespace boxed::inference::sampler {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

// Philox4x32 constants (Salmon et al. SC'11, table 2; Random123 philox.h PHILOX_M4x32_0/1 and
// PHILOX_W32_0/1).
inline constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
inline constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
inline constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;  // golden ratio
inline constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;  // sqrt(3) - 1

// The third counter word names the purpose of a draw, so future uses (e.g. a second draw per
// token) get streams that never overlap the token sampler's.
inline constexpr uint32_t kTokenStream = 0;

// One Philox4x32 block with `rounds` rounds (10 is the published, Crush-resistant choice).
constexpr PhiloxCounter philox4x32(PhiloxCounter ctr, PhiloxKey key, int rounds = 10) {
  for (int r = 0; r < rounds; ++r) {
    if (r > 0) {  // the key schedule bumps the key before every round but the first
      key[0] += kPhiloxW0;
      key[1] += kPhiloxW1;
    }
    const uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * ctr[0];
    const uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * ctr[2];
    const auto hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const auto hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    ctr = {hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0};
  }
  return ctr;
}

// The uniform number in [0, 1) that samples the token at `position` of the request with `seed`.
constexpr double token_uniform(uint64_t seed, int64_t position, uint32_t stream = kTokenStream) {
  const auto pos = static_cast<uint64_t>(position);
  const PhiloxCounter x = philox4x32(
      {static_cast<uint32_t>(pos), static_cast<uint32_t>(pos >> 32), stream, 0u},
      {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
  const uint64_t bits = (static_cast<uint64_t>(x[0]) << 32 | x[1]) >> 11;
  return static_cast<double>(bits) * 0x1p-53;
}

}  // namespace boxed::inference::sampler
