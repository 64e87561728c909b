#include <gtest/gtest.h>

#include <algorithm>

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "inference/engine.h"
#include "inference/cuda/device.h"
#include "inference/engine_factory.h"
#include "tests/support/scripted_engine.h"

namespace boxed::inference {
namespace {

TEST(RequestSeed, DependsOnRunSeedAndIdOnly) {
  EXPECT_EQ(request_seed(1, "aime24/7/13"), request_seed(1, "aime24/7/13"));
  EXPECT_NE(request_seed(1, "aime24/7/13"), request_seed(2, "aime24/7/13"));
  EXPECT_NE(request_seed(1, "aime24/7/13"), request_seed(1, "aime24/7/14"));
  EXPECT_NE(request_seed(1, "aime24/7/1"), request_seed(1, "aime24/71/"));
}

TEST(RequestSeed, IsPinnedAcrossPlatforms) {
  // Seeds of published runs must never change: this value was computed by hand from the
  // FNV-1a / SplitMix64 definition in engine.cc, re-implemented with Python integers.
  EXPECT_EQ(request_seed(0, ""), 0xaebe53f85cdc3c4cULL);
  EXPECT_EQ(request_seed(42, "aime24/7/13"), 0x502a7f023029a420ULL);
}

TEST(RequestSeed, SpreadsOverSamples) {
  std::set<uint64_t> seeds;
  for (int s = 0; s < 4096; ++s) seeds.insert(request_seed(42, "math500/1/" + std::to_string(s)));
  EXPECT_EQ(seeds.size(), 4096u);
}

TEST(FinishReason, RoundTripsThroughText) {
  for (FinishReason r : {FinishReason::kStop, FinishReason::kLength, FinishReason::kError}) {
    EXPECT_EQ(parse_finish_reason(to_string(r)), r);
  }
  EXPECT_FALSE(parse_finish_reason("tool_calls").has_value());
}

TEST(ScriptedEngine, CallsOnDoneExactlyOncePerRequest) {
  testing::ScriptedEngine engine([](const Request& r) {
    return Completion{.id = "", .text = "answer for " + r.id};
  });
  std::vector<Request> requests;
  for (int i = 0; i < 100; ++i) requests.push_back({.id = "t/" + std::to_string(i)});
  std::mutex mutex;
  std::multiset<std::string> seen;
  engine.generate(requests, [&](Completion c) {
    EXPECT_EQ(c.text, "answer for " + c.id);
    std::lock_guard lock(mutex);
    seen.insert(c.id);
  });
  ASSERT_EQ(seen.size(), requests.size());
  for (const Request& r : requests) {
    EXPECT_EQ(seen.count(r.id), 1u);
    EXPECT_EQ(engine.times_generated(r.id), 1);
  }
}

TEST(EngineFactory, UnknownBackendIsAnErrorNamingTheAvailableOnes) {
  try {
    make_engine({.backend = "tpu"});
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("tpu"), std::string::npos);
  }
}

// --kv-cache-dtype: checked before any model is loaded; bf16 is the cuda backend's, and backends
// without a cache of boxed's take only "auto".
TEST(EngineFactory, KvCacheDtypeIsRefusedWhereTheBackendCannotHoldIt) {
  const auto refusal = [](const EngineOptions& o) {
    try {
      make_engine(o);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  EXPECT_NE(refusal({.backend = "cpu", .model = "m", .kv_cache_dtype = "bf16"})
                .find("the cpu backend keeps its KV cache in f32"),
            std::string::npos);
  EXPECT_NE(refusal({.backend = "openai", .model = "m", .kv_cache_dtype = "f32",
                     .endpoints = {"http://127.0.0.1:9"}})
                .find("the openai backend holds no KV cache of boxed's"),
            std::string::npos);
  EXPECT_NE(refusal({.backend = "cpu", .model = "m", .kv_cache_dtype = "fp8"})
                .find("--kv-cache-dtype 'fp8': expected auto, bf16 or f32"),
            std::string::npos);
}

// Without a visible device "cuda" is never available (except in BOXED_CUDA=EMULATE builds,
// where the emulation stands in), "auto" never picks it, and asking for it names the probe's
// answer.
TEST(EngineFactory, CudaNeedsAVisibleDeviceAndSaysWhatTheProbeFound) {
  if (cuda::device_count() > 0) GTEST_SKIP() << "a CUDA device is visible: " << cuda::device_status();
  const bool emulated = cuda_status().find("emulated") != std::string::npos;
  const std::vector<std::string> available = available_backends();
  EXPECT_EQ(std::ranges::find(available, "cuda") != available.end(), emulated);
  if (emulated) return;
  try {
    make_engine({.backend = "cuda", .model = "m"});
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("needs a CUDA device"), std::string::npos) << what;
    EXPECT_NE(what.find(cuda::device_status()), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace boxed::inference
