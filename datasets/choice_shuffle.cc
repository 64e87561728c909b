#include "datasets/choice_shuffle.h"

#include <fmt/format.h>

#include <numeric>
#include <stdexcept>

namespace boxed::datasets {
namespace {

// SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
// the increment is the golden-ratio constant and the finaliser a bijective full-avalanche mix.
constexpr uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;

uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// FNV-1a 64-bit; offset basis and prime from the FNV reference (isthe.com/chongo/tech/comp/fnv).
uint64_t fnv1a(std::string_view bytes, uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

uint64_t choice_seed(std::string_view problem_id, uint64_t run_seed) {
  const uint64_t h = fnv1a(problem_id, fnv1a("choices/"));
  return mix64(h ^ mix64(run_seed + kGoldenGamma));
}

std::vector<int> shuffle_order(std::string_view problem_id, uint64_t run_seed, int n) {
  if (n < 1) throw std::invalid_argument(fmt::format("shuffle_order: n must be >= 1, got {}", n));
  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  uint64_t state = choice_seed(problem_id, run_seed);
  // Fisher–Yates, back to front. `% (i + 1)` over 64 random bits has a bias below 2^-60 for the
  // handful of choices a question has.
  for (int i = n - 1; i > 0; --i) {
    state += kGoldenGamma;
    const auto j = static_cast<int>(mix64(state) % static_cast<uint64_t>(i + 1));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  return order;
}

}  // namespace boxed::datasets
