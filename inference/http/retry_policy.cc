#include "inference/http/retry_policy.h"

#include <algorithm>

#include "inference/engine.h"

namespace boxed::inference::http {

namespace {
// Keeps the jitter stream apart from the sampling seeds derived from the same id ("jitter" in
// ASCII).
constexpr uint64_t kJitterSalt = 0x6a6974746572ULL;
}  // namespace

bool is_retryable_status(int status) { return status == 408 || status == 429 || status >= 500; }

int64_t backoff_delay_ms(const RetryPolicy& policy, std::string_view id, int attempt,
                         int64_t retry_after_s) {
  const int shift = std::clamp(attempt, 0, 30);
  const int64_t cap = std::min(policy.max_ms, policy.base_ms << shift);
  // The top 53 bits of the hash as a uniform double in [0, 1).
  const uint64_t bits = request_seed(kJitterSalt + static_cast<uint64_t>(attempt), id);
  const double unit = static_cast<double>(bits >> 11) * 0x1.0p-53;
  int64_t delay = cap / 2 + static_cast<int64_t>(unit * static_cast<double>(cap - cap / 2));
  if (retry_after_s > 0) delay = std::max(delay, retry_after_s * 1000);
  return std::min(delay, policy.max_ms);
}

}  // namespace boxed::inference::http
