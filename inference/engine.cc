#include "inference/engine.h"

namespace boxed::inference {

std::string_view to_string(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kError:
      return "error";
  }
  return "error";
}

std::optional<FinishReason> parse_finish_reason(std::string_view text) {
  if (text == "stop" || text == "eos") return FinishReason::kStop;
  if (text == "length") return FinishReason::kLength;
  if (text == "error") return FinishReason::kError;
  return std::nullopt;
}

namespace {
// SplitMix64 finaliser (Steele, Lea, Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014): a bijective mix with full avalanche.
uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

uint64_t request_seed(uint64_t run_seed, std::string_view request_id) {
  // FNV-1a 64-bit (offset basis and prime from the FNV reference, isthe.com/chongo/tech/comp/fnv).
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : request_id) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix64(h ^ mix64(run_seed + 0x9e3779b97f4a7c15ULL));
}

}  // namespace boxed::inference
