// `boxed bench --backend cuda` on this flavour's executor (inference/tools_bench.cc): the bytes a
// decode step reads are those the device holds (bf16 matrices, fp32 norms and biases), not the
// file's; every step runs and returns; the device yardsticks (copy bandwidth, peak memory) are
// measured. The CPU backend on the same model counts the file's bytes.
#include <gtest/gtest.h>
#include <string>

#include "inference/cuda/copy_bandwidth.h"
#include "inference/cuda/cuda_executor.h"
#include "inference/model/model.h"
#include "inference/step_backend.h"
#include "inference/tools.h"
#include "tests/inference/cuda/cuda_test_support.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

class CudaBenchTest : public testing::TinyModelCudaTest {
 protected:
  void SetUp() override { set_up_model("cuda_bench", "qwen2", 3); }
};

TEST_F(CudaBenchTest, CountsTheBytesTheDeviceHolds) {
  StepBackend backend{.name = "cuda", .device = "under test", .dense_weights_as_bf16 = true,
                      .executor = make_executor(*model_), .bandwidth_kind = "copy",
                      .measure_bandwidth = [] { return copy_bytes_per_s(size_t{8} << 20); },
                      .peak_device_bytes = [] { return uint64_t{device_bytes_peak()}; }};
  const BenchOptions options{.prompts = 2, .samples = 3, .max_tokens = 5, .prompt_tokens = 20};
  const BenchResult r = bench_step_backend(backend, *model_, options);
  EXPECT_EQ(backend.executor, nullptr);  // freed before the bandwidth probe
  EXPECT_TRUE(r.decode_samples_on_device);
  EXPECT_GT(r.prefill_tokens_per_s, 0);
  EXPECT_GT(r.decode_tokens_per_s, 0);
  EXPECT_GT(r.bandwidth_bytes_per_s, 0);
  EXPECT_EQ(r.bandwidth_kind, "copy");

  // The tiny qwen2 (tiny_model.h): hidden 64, q 4 x 16, kv 2 x 16, intermediate 128, 2 layers,
  // q/k/v bias, untied LM head; BF16 in the file.
  const int64_t h = 64, q = 64, kv = 32, inter = 128, layers = 2;
  const int64_t vocab = model_->config().vocab_size;
  const int64_t matrix_values = layers * (q * h + 2 * kv * h + h * q + 3 * inter * h) + vocab * h;
  const int64_t vector_values = layers * (2 * h + q + 2 * kv) + h;
  EXPECT_EQ(r.weight_bytes_per_step, static_cast<uint64_t>(2 * matrix_values + 4 * vector_values));
  // 3 samples x 2 layers x K and V x 2 heads x 16 bf16 values x mean length 20 + 3.
  EXPECT_EQ(r.kv_bytes_per_step, uint64_t{3 * 2 * 2 * 32 * 2 * 23});
  EXPECT_EQ(r.bytes_per_decode_step, r.weight_bytes_per_step + r.kv_bytes_per_step + 3 * h * 2);
  // The device held at least the weights and the KV pool: (2 prompt blocks + 3 samples x 1 own
  // block) x 2 layers x K and V x 16 positions x 32 bf16 values.
  EXPECT_GE(r.peak_device_bytes, r.weight_bytes_per_step + uint64_t{5 * 2 * 2 * 16 * 32 * 2});

  // The CPU backend holds the file's bf16 norms and biases as they are.
  StepBackend cpu = make_step_backend("cpu", *model_);
  const BenchResult c = bench_step_backend(cpu, *model_, options);
  EXPECT_FALSE(c.decode_samples_on_device);
  EXPECT_EQ(c.bandwidth_kind, "read");
  EXPECT_EQ(c.weight_bytes_per_step, static_cast<uint64_t>(2 * matrix_values + 2 * vector_values));
  EXPECT_EQ(c.peak_device_bytes, 0u);
  EXPECT_EQ(c.kv_bytes_per_step, 2 * r.kv_bytes_per_step);  // the CPU cache holds fp32
}

TEST_F(CudaBenchTest, RefusesAContextTheModelDoesNotHave) {
  StepBackend backend{.name = "cuda", .executor = make_executor(*model_),
                      .measure_bandwidth = [] { return 1.0; }};
  try {
    bench_step_backend(backend, *model_, {.prompts = 1, .max_tokens = 4000, .prompt_tokens = 100});
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("4100 runs past the model's context of 4096"),
              std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
