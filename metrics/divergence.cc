#include "metrics/divergence.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace boxed::metrics {

Estimate mean_with_uncertainty(std::span<const double> values) {
  if (values.empty()) return {};
  const double n = static_cast<double>(values.size());
  double sum = 0, sum2 = 0;
  for (double v : values) {
    sum += v;
    sum2 += v * v;
  }
  const double mean = sum / n;
  const double variance = sum2 / n - mean * mean;
  return {.value = mean,
          .uncertainty = values.size() > 1 && variance > 0 ? std::sqrt(variance / (n - 1)) : 0.0};
}

double quantile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  if (fraction <= 0) return values.front();
  if (fraction >= 1) return values.back();
  const double position = fraction * static_cast<double>(values.size() - 1);
  const size_t below = static_cast<size_t>(position);
  const double weight = position - static_cast<double>(below);
  const size_t above = std::min(below + 1, values.size() - 1);
  return (1 - weight) * values[below] + weight * values[above];
}

DivergenceSummary summarize_divergence(std::span<const double> kld, std::span<const double> nll_base,
                                       std::span<const double> nll_candidate,
                                       std::span<const uint8_t> same_top1) {
  const size_t n = kld.size();
  if (n == 0 || nll_base.size() != n || nll_candidate.size() != n || same_top1.size() != n) {
    throw std::invalid_argument(fmt::format(
        "summarize_divergence: expected equal non-zero lengths, found kld {}, nll_base {}, "
        "nll_candidate {}, same_top1 {}", n, nll_base.size(), nll_candidate.size(), same_top1.size()));
  }
  DivergenceSummary s;
  s.n_tokens = static_cast<int64_t>(n);
  const Estimate kld_mean = mean_with_uncertainty(kld);
  const std::vector<double> kld_values(kld.begin(), kld.end());
  s.kld = {.mean = kld_mean.value,
           .mean_uncertainty = kld_mean.uncertainty,
           .median = quantile(kld_values, 0.5),
           .p99 = quantile(kld_values, 0.99),
           .max = *std::max_element(kld.begin(), kld.end())};
  double agree = 0;
  for (uint8_t v : same_top1) agree += v != 0 ? 1 : 0;
  const double p = agree / static_cast<double>(n);
  s.top1_agreement = {.value = p,
                      .uncertainty = n > 1 ? std::sqrt(p * (1 - p) / static_cast<double>(n - 1)) : 0.0};
  const auto ppl = [](std::span<const double> nll) {
    const Estimate e = mean_with_uncertainty(nll);
    const double value = std::exp(e.value);
    return Estimate{.value = value, .uncertainty = value * e.uncertainty};
  };
  s.ppl_base = ppl(nll_base);
  s.ppl_candidate = ppl(nll_candidate);
  std::vector<double> diff(n);
  for (size_t i = 0; i < n; ++i) diff[i] = nll_candidate[i] - nll_base[i];
  s.ln_ppl_ratio = mean_with_uncertainty(diff);
  return s;
}

}  // namespace boxed::metrics
