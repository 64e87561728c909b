// Backoff: exponential caps, jitter within bounds and reproducible per (id, attempt), Retry-After
// honoured up to the cap, and which statuses are retried.
#include "inference/http/retry_policy.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace boxed::inference::http {
namespace {

TEST(RetryPolicy, RetryableStatuses) {
  for (int s : {408, 429, 500, 502, 503, 504}) EXPECT_TRUE(is_retryable_status(s)) << s;
  for (int s : {200, 400, 401, 403, 404, 409, 422}) EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(RetryPolicy, DelaysGrowExponentiallyWithinJitterBounds) {
  const RetryPolicy policy{.base_ms = 100, .max_ms = 1000, .max_retries = 8};
  // cap_k = min(1000, 100 * 2^k): 100, 200, 400, 800, 1000, 1000; delay in [cap/2, cap).
  const int64_t caps[] = {100, 200, 400, 800, 1000, 1000};
  for (int attempt = 0; attempt < 6; ++attempt) {
    for (int i = 0; i < 200; ++i) {
      const std::string id = "t/" + std::to_string(i) + "/0";
      const int64_t d = backoff_delay_ms(policy, id, attempt, 0);
      EXPECT_GE(d, caps[attempt] / 2) << id << " attempt " << attempt;
      EXPECT_LT(d, caps[attempt]) << id << " attempt " << attempt;
    }
  }
}

TEST(RetryPolicy, JitterIsAFunctionOfIdAndAttemptOnly) {
  const RetryPolicy policy{.base_ms = 1000, .max_ms = 60'000};
  EXPECT_EQ(backoff_delay_ms(policy, "a/1/0", 3, 0), backoff_delay_ms(policy, "a/1/0", 3, 0));
  std::set<int64_t> distinct;
  for (int i = 0; i < 100; ++i) {
    distinct.insert(backoff_delay_ms(policy, "a/1/" + std::to_string(i), 3, 0));
  }
  // 100 ids spread over a 4000 ms window: the jitter really de-synchronises them.
  EXPECT_GT(distinct.size(), 90u);
}

TEST(RetryPolicy, RetryAfterIsALowerBoundButStillCapped) {
  const RetryPolicy policy{.base_ms = 100, .max_ms = 5000};
  EXPECT_EQ(backoff_delay_ms(policy, "x", 0, 3), 3000);
  EXPECT_EQ(backoff_delay_ms(policy, "x", 0, 120), 5000);
  EXPECT_LT(backoff_delay_ms(policy, "x", 0, 0), 100);
}

TEST(RetryPolicy, HugeAttemptNumbersDoNotOverflow) {
  const RetryPolicy policy{.base_ms = 500, .max_ms = 30'000};
  const int64_t d = backoff_delay_ms(policy, "x", 1000, 0);
  EXPECT_GE(d, 15'000);
  EXPECT_LT(d, 30'000);
}

}  // namespace
}  // namespace boxed::inference::http
