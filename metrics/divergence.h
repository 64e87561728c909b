// Summaries of per-token scores of a candidate model against a base model over the same tokens
// (`boxed kld`): KL divergence, top-1 agreement and each model's perplexity, with the
// uncertainties llama.cpp's `llama-perplexity --kl-divergence` reports, so the two tools'
// numbers compare (tools/perplexity/perplexity.cpp, kl_divergence(): a mean's uncertainty is
// sqrt((E[x²] - E[x]²) / (n - 1)); percentiles interpolate linearly between order statistics at
// fraction · (n - 1); a proportion's is sqrt(p (1 - p) / (n - 1))).
//
//   DivergenceSummary s = summarize_divergence(kld, nll_base, nll_candidate, same_top1);
//   s.kld.mean; s.kld.p99; s.top1_agreement; s.ppl_base.value; s.ppl_candidate.uncertainty;
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace boxed::metrics {

struct Estimate {
  double value = 0;
  double uncertainty = 0;  // one standard error
};

struct DistributionSummary {
  double mean = 0;
  double mean_uncertainty = 0;
  double median = 0;
  double p99 = 0;
  double max = 0;
};

struct DivergenceSummary {
  int64_t n_tokens = 0;
  DistributionSummary kld;       // nats per token
  Estimate top1_agreement;       // fraction of tokens whose argmax agrees
  Estimate ppl_base;             // exp(mean NLL), uncertainty exp(mean) · SE(NLL)
  Estimate ppl_candidate;
  Estimate ln_ppl_ratio;         // mean(NLL_cand - NLL_base), SE of the paired difference
};

// mean ± SE, as described above; {0, 0} for no values, SE 0 for fewer than two.
Estimate mean_with_uncertainty(std::span<const double> values);
// The `fraction` quantile of `values` (any order), linear between order statistics.
double quantile(std::vector<double> values, double fraction);

// All spans have one entry per scored token. Throws std::invalid_argument when they disagree in
// length or are empty.
DivergenceSummary summarize_divergence(std::span<const double> kld, std::span<const double> nll_base,
                                       std::span<const double> nll_candidate,
                                       std::span<const uint8_t> same_top1);

}  // namespace boxed::metrics
