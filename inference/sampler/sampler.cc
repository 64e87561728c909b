#include "inference/sampler/sampler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "inference/sampler/random_stream.h"

namespace boxed::inference::sampler {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

float key_of(std::span<const float> logits, int32_t i) {
  const float l = logits[static_cast<size_t>(i)];
  return std::isnan(l) ? kNegInf : l;
}

// The total order "better": logit descending, token id ascending.
struct Better {
  std::span<const float> logits;
  bool operator()(int32_t a, int32_t b) const {
    const float la = key_of(logits, a), lb = key_of(logits, b);
    return la != lb ? la > lb : a < b;
  }
};

// First size of the partial sort for top-p; grows 8x while the kept mass is not yet reached.
// Reasoning models at temperature 0.6 keep a few dozen tokens, so 64 rarely needs growing.
constexpr size_t kFirstTopPWindow = 64;

}  // namespace

std::string validate(const SamplingParams& p) {
  if (!std::isfinite(p.temperature) || p.temperature < 0) {
    return fmt::format("sampling.temperature: expected a finite number >= 0, found {}",
                       p.temperature);
  }
  if (!(p.top_p > 0 && p.top_p <= 1)) {
    return fmt::format("sampling.top_p: expected 0 < top_p <= 1, found {}", p.top_p);
  }
  if (p.top_k < 0) return fmt::format("sampling.top_k: expected >= 0, found {}", p.top_k);
  if (!(p.min_p >= 0 && p.min_p <= 1)) {
    return fmt::format("sampling.min_p: expected 0 <= min_p <= 1, found {}", p.min_p);
  }
  if (p.max_tokens < 1) {
    return fmt::format("sampling.max_tokens: expected >= 1, found {}", p.max_tokens);
  }
  for (const std::string& s : p.stop) {
    if (s.empty()) return "sampling.stop: expected non-empty stop strings, found \"\"";
  }
  return {};
}

int32_t greedy(std::span<const float> logits) {
  // NaN never compares greater, so it loses to everything, as -inf would; the strict > keeps the
  // lowest id among equal maxima.
  int32_t best = 0;
  float best_value = kNegInf;
  for (int32_t i = 0; i < static_cast<int32_t>(logits.size()); ++i) {
    if (logits[static_cast<size_t>(i)] > best_value) {
      best_value = logits[static_cast<size_t>(i)];
      best = i;
    }
  }
  return best;
}

bool Sampler::filter(std::span<const float> logits, const SamplingParams& params) {
  greedy_token_ = greedy(logits);
  const float l_max = key_of(logits, greedy_token_);
  if (params.temperature == 0 || l_max == kNegInf) return false;

  const auto n_vocab = static_cast<int32_t>(logits.size());
  const double inv_t = 1.0 / static_cast<double>(params.temperature);
  const Better better{logits};
  // Every weight once: top-p and the final pass read them several times.
  all_weights_.resize(logits.size());
  for (int32_t i = 0; i < n_vocab; ++i) {
    all_weights_[static_cast<size_t>(i)] =
        std::exp((static_cast<double>(key_of(logits, i)) - l_max) * inv_t);
  }
  auto weight = [&](int32_t i) { return all_weights_[static_cast<size_t>(i)]; };

  // The kept set is always {i : not better(threshold, i)}: every filter cuts a prefix of the
  // total order. threshold < 0 means "no cut yet".
  int32_t threshold = -1;
  auto in_set = [&](int32_t i) { return threshold < 0 || !better(threshold, i); };
  int32_t n_set = n_vocab;
  const bool need_order = (params.top_k > 0 && params.top_k < n_vocab) || params.top_p < 1;
  if (need_order) {
    order_.resize(static_cast<size_t>(n_vocab));
    std::iota(order_.begin(), order_.end(), 0);
  }

  if (params.top_k > 0 && params.top_k < n_vocab) {
    n_set = params.top_k;
    std::nth_element(order_.begin(), order_.begin() + (n_set - 1), order_.end(), better);
    threshold = order_[static_cast<size_t>(n_set - 1)];
    // nth_element leaves the k best in front, in unspecified order: the prefix the top-p
    // partial sort below works on.
  }

  if (params.top_p < 1) {
    double z = 0;  // in ascending id order, so the sum never depends on sort internals
    for (int32_t i = 0; i < n_vocab; ++i) {
      if (in_set(i)) z += weight(i);
    }
    const double top_p = params.top_p;
    double cum_before = 0;
    int32_t cut = 0;  // number of kept tokens, best first
    size_t window = std::min<size_t>(kFirstTopPWindow, static_cast<size_t>(n_set));
    size_t sorted = 0;
    bool done = false;
    while (!done) {
      std::partial_sort(order_.begin() + static_cast<ptrdiff_t>(sorted),
                        order_.begin() + static_cast<ptrdiff_t>(window),
                        order_.begin() + n_set, better);
      for (; sorted < window; ++sorted) {
        if (cut > 0 && !(cum_before < top_p)) {
          done = true;
          break;
        }
        cum_before += weight(order_[sorted]) / z;
        ++cut;
      }
      if (window == static_cast<size_t>(n_set)) done = true;
      window = std::min<size_t>(window * 8, static_cast<size_t>(n_set));
    }
    threshold = order_[static_cast<size_t>(cut - 1)];
    n_set = cut;
  }

  kept_.clear();
  weights_.clear();
  const double min_p = params.min_p;
  for (int32_t i = 0; i < n_vocab; ++i) {
    if (!in_set(i)) continue;
    const double w = weight(i);
    if (w > 0 && w >= min_p) {
      kept_.push_back(i);
      weights_.push_back(w);
    }
  }
  return true;  // kept_ holds at least the best token (w = 1 >= min_p)
}

int32_t Sampler::pick(std::span<const float> logits, const SamplingParams& params, double u) {
  if (!filter(logits, params)) return greedy_token_;
  double z = 0;
  for (double w : weights_) z += w;
  const double target = u * z;
  double acc = 0;
  for (size_t j = 0; j < kept_.size(); ++j) {
    acc += weights_[j];
    if (target < acc) return kept_[j];
  }
  return kept_.back();  // u * z rounded up to the total
}

int32_t Sampler::sample(std::span<const float> logits, const SamplingParams& params,
                        uint64_t seed, int64_t position) {
  if (params.temperature == 0) return greedy(logits);
  return pick(logits, params, token_uniform(seed, position));
}

std::vector<Candidate> Sampler::distribution(std::span<const float> logits,
                                             const SamplingParams& params) {
  if (!filter(logits, params)) return {{greedy_token_, 1.0}};
  double z = 0;
  for (double w : weights_) z += w;
  std::vector<Candidate> out;
  out.reserve(kept_.size());
  for (size_t j = 0; j < kept_.size(); ++j) out.push_back({kept_[j], weights_[j] / z});
  return out;
}

}  // namespace boxed::inference::sampler
