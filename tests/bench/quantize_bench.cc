// The block encoders of `boxed quantize` (inference/model/quant/quantize.h), one thread, on
// Gaussian rows of 4864 values (the Qwen2.5-0.5B ffn_down row length, whole blocks of 32 and 256).
// Counter: items_per_second = weights encoded per second.
//
//   build/bin/quantize_bench
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "inference/model/dtype.h"
#include "inference/model/quant/quantize.h"

namespace boxed::inference::model {
namespace {

void BM_Encode(benchmark::State& state, DType t) {
  constexpr int64_t kRow = 4864, kRows = 16;
  std::mt19937 rng(1);
  std::normal_distribution<float> gauss(0.0f, 0.02f);
  std::vector<float> x(kRow * kRows);
  for (float& v : x) v = gauss(rng);
  std::vector<std::byte> out(dtype_row_bytes(t, kRow));
  for (auto _ : state) {
    for (int64_t r = 0; r < kRows; ++r) quant::quantize_row(t, x.data() + r * kRow, kRow, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kRow * kRows);
}

BENCHMARK_CAPTURE(BM_Encode, Q8_0, DType::kQ8_0);
BENCHMARK_CAPTURE(BM_Encode, Q6_K, DType::kQ6_K);
BENCHMARK_CAPTURE(BM_Encode, Q5_K, DType::kQ5_K);
BENCHMARK_CAPTURE(BM_Encode, Q5_1, DType::kQ5_1);
BENCHMARK_CAPTURE(BM_Encode, Q5_0, DType::kQ5_0);
BENCHMARK_CAPTURE(BM_Encode, Q4_K, DType::kQ4_K);
BENCHMARK_CAPTURE(BM_Encode, Q4_1, DType::kQ4_1);
BENCHMARK_CAPTURE(BM_Encode, Q4_0, DType::kQ4_0);

}  // namespace
}  // namespace boxed::inference::model

BENCHMARK_MAIN();
