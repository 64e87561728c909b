// CPU matmul on GGML quantized weights next to BF16: at batch 1 (the decode path: blocks
// decoded on the stack, quant_dot.h) against this machine's read bandwidth, and at 64 rows of x
// (the tile path: a tile dequantised once, then dot4x4_accumulate over L1-sized chunks) against
// its fp32 FMA peak, both limits measured in the same binary. BM_MatmulQ8 is batch 1 with int8
// activations (Activations::kQ8, quant_dot_q8.h), the opt-in path, beside BM_Matmul's exact one.
//
//   build/bin/quant_matmul_bench                                  # everything
//   build/bin/quant_matmul_bench --benchmark_filter='Q4_K|Read'   # one type and the bandwidth
//
// Shapes (out x in): the Qwen2.5-0.5B MLP down projection, 896 x 4864 (valid for every block
// size), its up projection, 4864 x 896 (the 32-element types: short rows), and the output head, 151936 x 896 (151936 x 1024 for the 256-element k-quants, since 896
// is not a whole number of super-blocks). Weights are random blocks with sane fp16 scales; the
// kernel's speed does not depend on the values. Counters:
//   bytes_per_second  weight bytes read per second (every call reads the whole tensor once)
//   weight_MB         the tensor's bytes
//   of_read_bw        bytes_per_second / the read bandwidth of BM_ReadBandwidth with the same
//                     thread count (1.0 = bandwidth-bound; Google Benchmark prints it as "/s")
//   GFLOP_per_s       2 * tokens * out * in / time (BM_MatmulBatch)
//   of_fma_peak       GFLOP_per_s / BM_FmaPeak's with the same thread count
// Arguments: threads (1, or 0 = oneTBB's default, all cores).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <benchmark/benchmark.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include "inference/cpu/matmul.h"
#include "inference/model/dtype.h"

namespace boxed::inference::cpu {
namespace {

using model::DType;

std::unique_ptr<tbb::global_control> limit_threads(int threads) {
  if (threads <= 0) return nullptr;
  return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
}

// Sum of a 1 GiB buffer, in 4 MiB tasks: what streaming weights from memory can reach.
double read_bandwidth_once(const std::vector<float>& buffer) {
  constexpr size_t kChunk = size_t{1} << 20;  // floats per task
  std::vector<float> partial(buffer.size() / kChunk);
  const auto start = std::chrono::steady_clock::now();
  tbb::parallel_for(size_t{0}, partial.size(), [&](size_t c) {
    float sums[16] = {};
    for (size_t i = c * kChunk; i < (c + 1) * kChunk; i += 16) {
      for (int j = 0; j < 16; ++j) sums[j] += buffer[i + j];
    }
    partial[c] = std::accumulate(sums, sums + 16, 0.0f);
  });
  benchmark::DoNotOptimize(partial.data());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(buffer.size() * sizeof(float)) / seconds;
}

std::vector<float>& bandwidth_buffer() {
  static std::vector<float> buffer((size_t{1} << 30) / sizeof(float), 1.0f);
  return buffer;
}

// Best of a few passes, per thread count, for the of_read_bw ratio.
double read_bandwidth(int threads) {
  static std::map<int, double> measured;
  if (auto it = measured.find(threads); it != measured.end()) return it->second;
  const auto limit = limit_threads(threads);
  double best = 0;
  for (int i = 0; i < 5; ++i) best = std::max(best, read_bandwidth_once(bandwidth_buffer()));
  return measured[threads] = best;
}

void BM_ReadBandwidth(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const auto limit = limit_threads(threads);
  const std::vector<float>& buffer = bandwidth_buffer();  // allocated and touched before timing
  double best = 0;
  for (auto _ : state) best = std::max(best, read_bandwidth_once(buffer));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * (int64_t{1} << 30));
  state.counters["best_GB_per_s"] = best / 1e9;
}

// fp32 FMA throughput: 16 independent chains of 16-lane FMAs per thread (enough to cover the
// FMA latency on two FMA ports), in parallel tasks. Returns flop/s.
double fma_peak_once() {
  constexpr int kTasks = 64, kSteps = 1 << 16;
  std::vector<float> sink(kTasks);
  const auto start = std::chrono::steady_clock::now();
  tbb::parallel_for(0, kTasks, [&](int task) {
#if defined(__AVX512F__)  // the width of the kernels' registers
    __m512 acc[16];
    for (int c = 0; c < 16; ++c) acc[c] = _mm512_set1_ps(static_cast<float>(task + c) * 1e-3f);
    const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-4f);
    for (int i = 0; i < kSteps; ++i) {
      for (__m512& v : acc) v = _mm512_fmadd_ps(v, a, b);
    }
    float total = 0;
    for (const __m512& v : acc) {  // (not _mm512_reduce_add_ps: GCC 12 warns in its header)
      alignas(64) float lanes[16];
      _mm512_store_ps(lanes, v);
      for (float f : lanes) total += f;
    }
#else
    float acc[16][16];
    for (int c = 0; c < 16; ++c) {
      for (int j = 0; j < 16; ++j) acc[c][j] = static_cast<float>(task + c + j) * 1e-3f;
    }
    for (int i = 0; i < kSteps; ++i) {
      for (auto& v : acc) {
        for (float& f : v) f = std::fma(f, 0.999f, 1e-4f);
      }
    }
    float total = 0;
    for (const auto& v : acc) {
      for (float f : v) total += f;
    }
#endif
    sink[task] = total;
  });
  benchmark::DoNotOptimize(sink.data());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return 2.0 * kTasks * kSteps * 16 * 16 / seconds;
}

double fma_peak(int threads) {
  static std::map<int, double> measured;
  if (auto it = measured.find(threads); it != measured.end()) return it->second;
  const auto limit = limit_threads(threads);
  double best = 0;
  for (int i = 0; i < 5; ++i) best = std::max(best, fma_peak_once());
  return measured[threads] = best;
}

void BM_FmaPeak(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const auto limit = limit_threads(threads);
  double best = 0;
  for (auto _ : state) best = std::max(best, fma_peak_once());
  state.counters["GFLOP_per_s"] = best / 1e9;
}

// Random bytes (xorshift) with every fp16 scale field set to a small positive value: a valid
// tensor of the type whose values stay finite.
std::vector<std::byte> random_weights(DType dtype, int64_t out, int64_t in) {
  const size_t bytes = static_cast<size_t>(out) * model::dtype_row_bytes(dtype, in);
  std::vector<std::byte> w(bytes);
  uint64_t s = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < bytes; i += 8) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    std::memcpy(w.data() + i, &s, std::min<size_t>(8, bytes - i));
  }
  // Byte offsets of the fp16 fields (ggml-common.h block_* structs).
  std::vector<size_t> halves;
  switch (dtype) {
    case DType::kBF16: halves = {}; break;
    case DType::kQ4_1: case DType::kQ5_1: case DType::kQ4_K: case DType::kQ5_K: halves = {0, 2}; break;
    case DType::kQ2_K: halves = {80, 82}; break;
    case DType::kQ3_K: halves = {108}; break;
    case DType::kQ6_K: halves = {208}; break;
    default: halves = {0}; break;  // Q4_0, Q5_0, Q8_0
  }
  if (dtype == DType::kBF16) {
    for (size_t i = 0; i < bytes; i += 2) w[i + 1] &= std::byte{0xbf};  // |x| < 2
    return w;
  }
  const uint16_t scale = model::f32_to_f16(0.01f);
  const size_t block_bytes = model::dtype_block_bytes(dtype);
  for (size_t b = 0; b < bytes; b += block_bytes) {
    for (size_t h : halves) std::memcpy(w.data() + b + h, &scale, 2);
  }
  return w;
}

void BM_Matmul(benchmark::State& state, DType dtype, int64_t out, int64_t in,
               Activations activations) {
  const int threads = static_cast<int>(state.range(0));
  const double bandwidth = read_bandwidth(threads);
  const std::vector<std::byte> w = random_weights(dtype, out, in);
  const model::TensorView view{.name = "w", .dtype = dtype, .shape = {out, in}, .data = w.data()};
  std::vector<float> x(static_cast<size_t>(in)), y(static_cast<size_t>(out));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 17) * 0.01f - 0.08f;
  const auto limit = limit_threads(threads);
  for (auto _ : state) {
    matmul(x.data(), 1, view, nullptr, y.data(), activations);
    benchmark::DoNotOptimize(y.data());
  }
  const auto bytes = static_cast<int64_t>(view.size_bytes());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * bytes);
  state.counters["weight_MB"] = static_cast<double>(bytes) / 1e6;
  state.counters["of_read_bw"] = benchmark::Counter(
      static_cast<double>(bytes) / bandwidth, benchmark::Counter::kIsIterationInvariantRate);
}

// 64 rows of x (the many-samples decode step, or a prefill chunk): the tile path, fp32 or (kQ8)
// int8 (quant_gemm_q8.h). of_fma_peak compares either with the fp32 FMA peak.
void BM_MatmulBatch(benchmark::State& state, DType dtype, int64_t out, int64_t in, Activations activations) {
  constexpr int kTokens = 64;
  const int threads = static_cast<int>(state.range(0));
  const double peak = fma_peak(threads);
  const std::vector<std::byte> w = random_weights(dtype, out, in);
  const model::TensorView view{.name = "w", .dtype = dtype, .shape = {out, in}, .data = w.data()};
  std::vector<float> x(static_cast<size_t>(in) * kTokens), y(static_cast<size_t>(out) * kTokens);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 17) * 0.01f - 0.08f;
  const auto limit = limit_threads(threads);
  for (auto _ : state) {
    matmul(x.data(), kTokens, view, nullptr, y.data(), activations);
    benchmark::DoNotOptimize(y.data());
  }
  const double flops = 2.0 * kTokens * static_cast<double>(out) * static_cast<double>(in);
  state.counters["GFLOP_per_s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["of_fma_peak"] = benchmark::Counter(flops / peak, benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
  benchmark::RegisterBenchmark("BM_FmaPeak", BM_FmaPeak)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("BM_ReadBandwidth", BM_ReadBandwidth)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
  for (DType dtype : {DType::kQ4_K, DType::kQ6_K, DType::kQ8_0, DType::kQ4_1, DType::kQ5_0,
                      DType::kBF16}) {
    const std::string name(model::dtype_name(dtype));
    const int64_t head_in = model::dtype_block_elems(dtype) == 256 ? 1024 : 896;
    for (Activations a : {Activations::kF32, Activations::kQ8}) {
      if (a == Activations::kQ8 && dtype == DType::kBF16) continue;
      const std::string bm = a == Activations::kQ8 ? "BM_MatmulQ8/" : "BM_Matmul/";
      benchmark::RegisterBenchmark((bm + name + "/896x4864").c_str(), BM_Matmul, dtype,
                                   int64_t{896}, int64_t{4864}, a)
          ->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond)->UseRealTime();
      if (head_in == 896) {  // the up/gate projection: short rows, as every 896-wide one
        benchmark::RegisterBenchmark((bm + name + "/4864x896").c_str(), BM_Matmul, dtype,
                                     int64_t{4864}, int64_t{896}, a)
            ->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond)->UseRealTime();
      }
      benchmark::RegisterBenchmark((bm + name + "/151936x" + std::to_string(head_in)).c_str(),
                                   BM_Matmul, dtype, int64_t{151936}, head_in, a)
          ->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
    }
    for (Activations a : {Activations::kF32, Activations::kQ8}) {
      if (a == Activations::kQ8 && dtype == DType::kBF16) continue;
      const std::string bm = a == Activations::kQ8 ? "BM_MatmulBatchQ8/" : "BM_MatmulBatch/";
      benchmark::RegisterBenchmark((bm + name + "/896x4864x64").c_str(), BM_MatmulBatch, dtype,
                                   int64_t{896}, int64_t{4864}, a)
          ->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
      if (head_in == 896) {  // k = 896: most of a Qwen2.5-0.5B step's matmuls, head included
        benchmark::RegisterBenchmark((bm + name + "/4864x896x64").c_str(), BM_MatmulBatch, dtype,
                                     int64_t{4864}, int64_t{896}, a)
            ->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();
      }
    }
  }
}

}  // namespace
}  // namespace boxed::inference::cpu

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  boxed::inference::cpu::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
