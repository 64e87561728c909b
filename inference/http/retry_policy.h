// When and how long the OpenAI-compatible client waits before trying a request again.
// Exponential backoff with "full jitter" halved (AWS Architecture Blog, "Exponential Backoff And
// Jitter", 2015): attempt k waits uniform [cap_k / 2, cap_k) with cap_k = min(max, base * 2^k).
// The jitter is drawn from request_seed(kJitterSalt + attempt, id), never from the clock, so the
// schedule of a request is the same in every run.
//
//   RetryPolicy policy{.base_ms = 500, .max_ms = 30000, .max_retries = 8};
//   if (is_retryable_status(503) && attempt < policy.max_retries)
//     sleep_for(backoff_delay_ms(policy, id, attempt, /*retry_after_s=*/0));
#pragma once

#include <cstdint>
#include <string_view>

namespace boxed::inference::http {

struct RetryPolicy {
  int64_t base_ms = 500;     // the first retry waits 250..500 ms
  int64_t max_ms = 30'000;   // no single wait is longer than this (Retry-After included)
  int max_retries = 8;       // attempts after the first
};

// 408 Request Timeout, 429 Too Many Requests and every 5xx are worth another try (RFC 9110
// sections 15.5.9 and 15.6, RFC 6585 section 4); any other status is the server's final word.
bool is_retryable_status(int status);

// The wait before retry number `attempt` (0-based) of request `id`. A server's Retry-After (in
// seconds, RFC 9110 section 10.2.3), when given, is a lower bound, still capped at max_ms.
int64_t backoff_delay_ms(const RetryPolicy& policy, std::string_view id, int attempt,
                         int64_t retry_after_s);

}  // namespace boxed::inference::http
