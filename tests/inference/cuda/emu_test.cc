// The CUDA execution-model emulation (inference/cuda/emu/) on kernels written to expose its
// semantics. Runs against the device too when built with nvcc and a GPU is visible, so both
// execution models are held to the same expectations.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "inference/model/dtype.h"
#include "tests/inference/cuda/cuda_test_support.h"
#include "tests/inference/cuda/emu_kernels.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

using testing::CudaTest;

TEST_F(CudaTest, EveryThreadOfEveryBlockRunsOnceWithItsIndices) {
  const dim3 grid(3, 2, 2), block(8, 4, 2);
  const int n = 12 * 64;
  DeviceBuffer out(n * sizeof(int));
  cuda::BOXED_CUDA_NS::testing::indices(s(), grid, block, out.as<int>());
  const std::vector<int> got = download<int>(out, n);
  for (int b = 0; b < 12; ++b) {
    for (int t = 0; t < 64; ++t) ASSERT_EQ(got[b * 64 + t], b * 10000 + t) << b << " " << t;
  }
}

TEST_F(CudaTest, SharedMemoryIsPerBlockAndSyncthreadsOrdersIt) {
  const int n_blocks = 5;
  std::vector<int> in(n_blocks * 256);
  std::iota(in.begin(), in.end(), 0);
  DeviceBuffer d_in = upload(in), d_out(in.size() * sizeof(int));
  cuda::BOXED_CUDA_NS::testing::reverse_blocks(s(), d_in.as<int>(), n_blocks, d_out.as<int>());
  const std::vector<int> got = download<int>(d_out, in.size());
  for (int b = 0; b < n_blocks; ++b) {
    for (int t = 0; t < 256; ++t) ASSERT_EQ(got[b * 256 + t], b * 256 + 255 - t);
  }
}

TEST_F(CudaTest, WarpShufflesAndVotesFollowTheProgrammingGuide) {
  const int n_warps = 2, n = 64;
  std::vector<float> in(n);
  for (int i = 0; i < n; ++i) in[i] = static_cast<float>(i % 7) - 2.5f;
  DeviceBuffer d_in = upload(in), sums(n * 4), down(n * 4), xr(n * 4), ballots(n * 4), any_all(n * 4);
  cuda::BOXED_CUDA_NS::testing::shuffles(s(), d_in.as<float>(), n_warps, sums.as<float>(),
                                         down.as<int>(), xr.as<int>(), ballots.as<unsigned>(),
                                         any_all.as<int>());
  const auto s = download<float>(sums, n);
  const auto d = download<int>(down, n);
  const auto x = download<int>(xr, n);
  const auto b = download<unsigned>(ballots, n);
  const auto a = download<int>(any_all, n);
  for (int w = 0; w < n_warps; ++w) {
    float expected = 0;
    unsigned ballot = 0;
    for (int l = 0; l < 32; ++l) {
      expected += in[w * 32 + l];
      if ((w * 32 + l) % 3 == 0) ballot |= 1u << l;
    }
    for (int l = 0; l < 32; ++l) {
      const int i = w * 32 + l;
      EXPECT_FLOAT_EQ(s[i], expected);
      EXPECT_EQ(d[i], l + 3 < 32 ? i + 3 : i) << "shfl_down past the warp returns the own value";
      EXPECT_EQ(x[i], w * 32 + (l ^ 5));
      EXPECT_EQ(b[i], ballot);
      EXPECT_EQ(a[i], (w == 0 ? 2 : 0) + 1);
    }
  }
}

TEST_F(CudaTest, AtomicsAcrossBlocksLoseNoUpdate) {
  DeviceBuffer counter = upload(std::vector<int>{0}), maximum = upload(std::vector<int>{-1});
  cuda::BOXED_CUDA_NS::testing::atomics(s(), 37, counter.as<int>(), maximum.as<int>());
  EXPECT_EQ(download<int>(counter, 1)[0], 37 * 64);
  EXPECT_EQ(download<int>(maximum, 1)[0], 37 * 64 - 1);
}

TEST_F(CudaTest, ThreadsThatReturnedNoLongerHoldBarriers) {
  DeviceBuffer out = upload(std::vector<int>(64, -1));
  cuda::BOXED_CUDA_NS::testing::early_exit(s(), 40, out.as<int>());
  const auto got = download<int>(out, 64);
  for (int t = 0; t < 40; ++t) EXPECT_EQ(got[t], 40);
  for (int t = 40; t < 64; ++t) EXPECT_EQ(got[t], -1);
}

TEST_F(CudaTest, Bf16ConversionRoundsToNearestEven) {
  const std::vector<float> in = {1.0f, 1.00390625f, 1.01171875f, -3.14159f, 65504.0f, 1e-30f,
                                 std::nanf(""), INFINITY, -0.0f, 3.0e38f};
  DeviceBuffer d_in = upload(in), bits(in.size() * 2), back(in.size() * 4);
  cuda::BOXED_CUDA_NS::testing::bf16_round_trip(s(), d_in.as<float>(), bits.as<uint16_t>(),
                                                back.as<float>(), static_cast<int>(in.size()));
  const auto b = download<uint16_t>(bits, in.size());
  const auto f = download<float>(back, in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (std::isnan(in[i])) {
      EXPECT_TRUE(std::isnan(f[i]));
      continue;
    }
    EXPECT_EQ(b[i], model::f32_to_bf16(in[i])) << in[i];
    EXPECT_EQ(f[i], model::bf16_to_f32(b[i]));
  }
}

#if defined(BOXED_CUDA_EMULATE)
TEST_F(CudaTest, ADivergentBarrierIsReportedAsADeadlock) {
  DeviceBuffer out(32 * sizeof(int));
  try {
    cuda::BOXED_CUDA_NS::testing::divergent(s(), out.as<int>());
    FAIL() << "expected a deadlock report";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("'divergent' deadlocked"), std::string::npos) << e.what();
  }
}
#endif

}  // namespace
}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
