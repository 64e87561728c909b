// Per-task accounting of responses: how many were cut off by the token limit (finish reason
// "length"), failed, gave no answer, or gave one only inside the thinking part, and how long the
// responses were (mean, median, p95 in tokens). Truncation and no-answer rates are what explain a
// low score before any grading question is asked.
//
//   std::vector<SampleFlags> flags = ...;     // one per response
//   Tally t = tally(flags);                   // t.truncation_rate == 0.25, ...
//   LengthSummary s = summarize_lengths(tokens);
#pragma once

#include <cstdint>
#include <span>

namespace boxed::metrics {

struct SampleFlags {
  bool truncated = false;      // finish reason "length"
  bool error = false;          // the request failed
  bool answered = false;       // an answer was extracted
  bool from_thinking = false;  // ...but only from the thinking part
};

struct Tally {
  int64_t n = 0;
  int64_t truncated = 0, errors = 0, no_answer = 0, from_thinking = 0;
  double truncation_rate = 0, error_rate = 0, no_answer_rate = 0, from_thinking_rate = 0;  // of n
};

Tally tally(std::span<const SampleFlags> samples);

struct LengthSummary {
  double mean = 0;
  double median = 0;  // type-7 quantile 0.5 (metrics/bootstrap.h)
  double p95 = 0;     // type-7 quantile 0.95
  int64_t max = 0;
};

// All zeros for an empty span.
LengthSummary summarize_lengths(std::span<const int64_t> tokens);

}  // namespace boxed::metrics
