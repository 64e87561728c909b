#include "metrics/bootstrap.h"

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace boxed::metrics {
namespace {

// SplitMix64 (Steele, Lea, Flood, OOPSLA 2014).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound), Lemire's method: unbiased, one multiplication in the common case.
  uint32_t below(uint32_t bound) {
    uint64_t m = static_cast<uint64_t>(static_cast<uint32_t>(next() >> 32)) * bound;
    auto low = static_cast<uint32_t>(m);
    if (low < bound) {
      const uint32_t threshold = static_cast<uint32_t>(-bound) % bound;
      while (low < threshold) {
        m = static_cast<uint64_t>(static_cast<uint32_t>(next() >> 32)) * bound;
        low = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }

 private:
  uint64_t state_;
};

void check(std::span<const ProblemCounts> problems, const BootstrapOptions& options) {
  if (problems.empty()) throw std::invalid_argument("bootstrap: no problems");
  if (options.resamples < 1) {
    throw std::invalid_argument(fmt::format("bootstrap: resamples must be >= 1, got {}", options.resamples));
  }
  if (!(options.level > 0 && options.level < 1)) {
    throw std::invalid_argument(fmt::format("bootstrap: level must be in (0, 1), got {}", options.level));
  }
  for (size_t i = 0; i < problems.size(); ++i) {
    if (problems[i].n < 1 || problems[i].correct < 0 || problems[i].correct > problems[i].n) {
      throw std::invalid_argument(fmt::format("bootstrap: problem {}: need n >= 1 and 0 <= correct <= n, got n={} correct={}",
                                              i, problems[i].n, problems[i].correct));
    }
  }
}

// One problem's resampled mean correctness: n draws with replacement from its n responses.
double resample_problem(SplitMix64& rng, const ProblemCounts& p) {
  if (p.correct == 0 || p.correct == p.n) return p.correct == 0 ? 0.0 : 1.0;  // no variation
  int hits = 0;
  for (int s = 0; s < p.n; ++s) hits += rng.below(static_cast<uint32_t>(p.n)) < static_cast<uint32_t>(p.correct) ? 1 : 0;
  return static_cast<double>(hits) / static_cast<double>(p.n);
}

// Replicate r draws from its own stream, seeded from (seed, r), so replicates run in parallel and
// the result does not depend on the thread count.
SplitMix64 replicate_rng(uint64_t seed, size_t r) {
  SplitMix64 mix(seed ^ (0xd1b54a32d192ed03ULL * (static_cast<uint64_t>(r) + 1)));
  return SplitMix64(mix.next());
}

template <typename Fn>
void for_each_replicate(std::vector<double>& replicates, uint64_t seed, Fn fn) {
  tbb::parallel_for(tbb::blocked_range<size_t>(0, replicates.size()), [&](const tbb::blocked_range<size_t>& range) {
    for (size_t r = range.begin(); r != range.end(); ++r) {
      SplitMix64 rng = replicate_rng(seed, r);
      replicates[r] = fn(rng);
    }
  });
}

double pass_at_1(std::span<const ProblemCounts> problems) {
  double sum = 0;
  for (const ProblemCounts& p : problems) sum += static_cast<double>(p.correct) / p.n;
  return sum / static_cast<double>(problems.size());
}

}  // namespace

double quantile(std::vector<double>& values, double q) {
  if (values.empty()) throw std::invalid_argument("quantile of an empty set");
  std::sort(values.begin(), values.end());
  const double h = (static_cast<double>(values.size()) - 1) * std::clamp(q, 0.0, 1.0);
  const auto lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

Interval bootstrap_interval(std::span<const ProblemCounts> problems, const BootstrapOptions& options) {
  check(problems, options);
  const auto n_problems = static_cast<uint32_t>(problems.size());
  std::vector<double> replicates(static_cast<size_t>(options.resamples));
  for_each_replicate(replicates, options.seed, [&](SplitMix64& rng) {
    double sum = 0;
    for (uint32_t i = 0; i < n_problems; ++i) sum += resample_problem(rng, problems[rng.below(n_problems)]);
    return sum / n_problems;
  });
  const double tail = (1 - options.level) / 2;
  return {quantile(replicates, tail), quantile(replicates, 1 - tail)};
}

PairedDiff paired_bootstrap(std::span<const ProblemCounts> base, std::span<const ProblemCounts> cand,
                            const BootstrapOptions& options, double alpha) {
  if (base.size() != cand.size()) {
    throw std::invalid_argument(fmt::format("paired bootstrap: {} base problems but {} candidate problems",
                                            base.size(), cand.size()));
  }
  if (!(alpha > 0 && alpha < 1)) {
    throw std::invalid_argument(fmt::format("paired bootstrap: alpha must be in (0, 1), got {}", alpha));
  }
  check(base, options);
  check(cand, options);
  const auto n_problems = static_cast<uint32_t>(base.size());
  std::vector<double> replicates(static_cast<size_t>(options.resamples));
  for_each_replicate(replicates, options.seed, [&](SplitMix64& rng) {
    double sum = 0;
    for (uint32_t i = 0; i < n_problems; ++i) {
      const uint32_t pick = rng.below(n_problems);
      if (!options.resample_samples) {
        sum += static_cast<double>(cand[pick].correct) / cand[pick].n -
               static_cast<double>(base[pick].correct) / base[pick].n;
        continue;
      }
      const double b = resample_problem(rng, base[pick]);
      sum += resample_problem(rng, cand[pick]) - b;
    }
    return sum / n_problems;
  });
  PairedDiff d;
  d.diff = pass_at_1(cand) - pass_at_1(base);
  double mean = 0, squares = 0;
  for (double r : replicates) mean += r;
  mean /= static_cast<double>(replicates.size());
  for (double r : replicates) squares += (r - mean) * (r - mean);
  d.se = replicates.size() > 1 ? std::sqrt(squares / static_cast<double>(replicates.size() - 1)) : 0.0;
  d.lower_one_sided = quantile(replicates, alpha);
  d.upper_one_sided = quantile(replicates, 1 - alpha);
  const double tail = (1 - options.level) / 2;
  d.ci_lower = quantile(replicates, tail);
  d.ci_upper = quantile(replicates, 1 - tail);
  return d;
}

}  // namespace boxed::metrics
