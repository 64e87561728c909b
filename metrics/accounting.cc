#include "metrics/accounting.h"

#include <algorithm>
#include <vector>

#include "metrics/bootstrap.h"

namespace boxed::metrics {

Tally tally(std::span<const SampleFlags> samples) {
  Tally t;
  t.n = static_cast<int64_t>(samples.size());
  for (const SampleFlags& s : samples) {
    t.truncated += s.truncated ? 1 : 0;
    t.errors += s.error ? 1 : 0;
    t.no_answer += s.answered ? 0 : 1;
    t.from_thinking += (s.answered && s.from_thinking) ? 1 : 0;
  }
  if (t.n > 0) {
    const auto n = static_cast<double>(t.n);
    t.truncation_rate = static_cast<double>(t.truncated) / n;
    t.error_rate = static_cast<double>(t.errors) / n;
    t.no_answer_rate = static_cast<double>(t.no_answer) / n;
    t.from_thinking_rate = static_cast<double>(t.from_thinking) / n;
  }
  return t;
}

LengthSummary summarize_lengths(std::span<const int64_t> tokens) {
  LengthSummary s;
  if (tokens.empty()) return s;
  std::vector<double> values(tokens.begin(), tokens.end());
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  s.max = *std::max_element(tokens.begin(), tokens.end());
  s.median = quantile(values, 0.5);
  s.p95 = quantile(values, 0.95);
  return s;
}

}  // namespace boxed::metrics
