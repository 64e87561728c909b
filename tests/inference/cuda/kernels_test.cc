// Every CUDA op against its CPU op (inference/cpu/) on random inputs, with the tolerance each
// states. Compiled per flavour: the emulated kernels run everywhere, the device kernels where a
// GPU is visible (cuda_test_support.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <ostream>
#include <string>
#include <vector>

#include "inference/cpu/attention.h"
#include "inference/cpu/embedding.h"
#include "inference/cpu/kv_cache.h"
#include "inference/cpu/matmul.h"
#include "inference/cpu/rmsnorm.h"
#include "inference/cpu/rope.h"
#include "inference/cpu/silu_mul.h"
#include "inference/cuda/add.cuh"
#include "inference/cuda/attention.cuh"
#include "inference/cuda/embed.cuh"
#include "inference/cuda/gemm.h"
#include "inference/cuda/kv_write.cuh"
#include "inference/cuda/rmsnorm.cuh"
#include "inference/cuda/rope.cuh"
#include "inference/cuda/silu_mul.cuh"
#include "inference/cuda/to_bf16.cuh"
#include "inference/model/dtype.h"
#include "tests/inference/cuda/cuda_test_support.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

using testing::CudaTest;

#if defined(BOXED_CUDA_EMULATE)
constexpr bool kEmulated = true;
#else
constexpr bool kEmulated = false;
#endif

// |a - b| <= atol + rtol |b| for every element; reports the worst one.
void expect_close(const std::vector<float>& got, const std::vector<float>& want, float rtol,
                  float atol, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  size_t worst = 0;
  float worst_excess = -1;
  for (size_t i = 0; i < got.size(); ++i) {
    const float excess = std::fabs(got[i] - want[i]) - (atol + rtol * std::fabs(want[i]));
    if (excess > worst_excess) {
      worst_excess = excess;
      worst = i;
    }
  }
  EXPECT_LE(worst_excess, 0.0f) << what << ": element " << worst << " is " << got[worst]
                                << ", CPU op gives " << want[worst];
}

std::vector<uint16_t> to_bf16_host(const std::vector<float>& v) {
  std::vector<uint16_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = model::f32_to_bf16(v[i]);
  return out;
}

model::TensorView view(const std::vector<uint16_t>& bf16, std::vector<int64_t> shape) {
  return {.name = "t", .dtype = model::DType::kBF16, .shape = std::move(shape),
          .data = reinterpret_cast<const std::byte*>(bf16.data())};
}
model::TensorView view(const std::vector<float>& f32, std::vector<int64_t> shape) {
  return {.name = "t", .dtype = model::DType::kF32, .shape = std::move(shape),
          .data = reinterpret_cast<const std::byte*>(f32.data())};
}

TEST_F(CudaTest, EmbedMatchesTheCpuOpExactly) {
  const int vocab = 50, dim = 72;
  const auto table = to_bf16_host(random_floats(vocab * dim, 1));
  const std::vector<int32_t> tokens = {3, 0, 49, 3, 17};
  std::vector<float> want(tokens.size() * dim);
  cpu::embed(tokens, view(table, {vocab, dim}), want.data());
  DeviceBuffer d_table = upload(table), d_tokens = upload(tokens), out(want.size() * 4);
  embed(s(), d_tokens.as<int32_t>(), 5, d_table.as<uint16_t>(), dim, out.as<float>());
  EXPECT_EQ(download<float>(out, want.size()), want);
}

TEST_F(CudaTest, RmsnormMatchesTheCpuOp) {
  for (int dim : {64, 896, 1536, 1000}) {
    const int n = 3;
    const auto x = random_floats(n * dim, dim, 3.0f);
    const auto w = random_floats(dim, dim + 1);
    std::vector<float> want(x.size());
    cpu::rmsnorm(x.data(), n, view(w, {dim}), 1e-6f, want.data());
    DeviceBuffer dx = upload(x), dw = upload(w), dy(x.size() * 4);
    rmsnorm(s(), dx.as<float>(), n, dw.as<float>(), dim, 1e-6f, dy.as<float>());
    // Only the reduction order differs: a few ulp of the inverse RMS.
    expect_close(download<float>(dy, x.size()), want, 1e-5f, 1e-6f, "rmsnorm");
  }
}

TEST_F(CudaTest, RopeMatchesTheCpuOpWithLlama3Scaling) {
  model::ModelConfig c;
  c.head_dim = 64;
  c.rope_theta = 500000.0f;
  c.rope_scaling.type = "llama3";
  c.rope_scaling.factor = 8;
  c.rope_scaling.low_freq_factor = 1;
  c.rope_scaling.high_freq_factor = 4;
  c.rope_scaling.original_max_position_embeddings = 64;
  const std::vector<float> inv_freq = cpu::rope_inv_freq(c);
  const int n = 4, n_heads = 3;
  const std::vector<int32_t> positions = {0, 1, 977, 31000};
  const auto x = random_floats(n * n_heads * c.head_dim, 5);
  std::vector<float> want = x;
  for (int t = 0; t < n; ++t) {
    for (int h = 0; h < n_heads; ++h) {
      cpu::apply_rope(&want[(t * n_heads + h) * c.head_dim], c.head_dim, positions[t], inv_freq.data());
    }
  }
  DeviceBuffer dx = upload(x), dp = upload(positions), df = upload(inv_freq);
  apply_rope(s(), dx.as<float>(), n, n_heads, c.head_dim, dp.as<int32_t>(), df.as<float>());
  const auto got = download<float>(dx, x.size());
  if (kEmulated) {
    EXPECT_EQ(got, want);  // same libm, same expression
  } else {
    expect_close(got, want, 1e-5f, 2e-6f, "rope");  // device cosf/sinf: <= 2 ulp
  }
}

TEST_F(CudaTest, SiluMulAndAddMatchTheCpuOps) {
  const size_t n = 3000;
  const auto gate = random_floats(n, 6, 8.0f), up = random_floats(n, 7, 2.0f);
  std::vector<float> want(n);
  cpu::silu_mul(gate.data(), up.data(), n, want.data());
  DeviceBuffer dg = upload(gate), du = upload(up);
  silu_mul(s(), dg.as<float>(), du.as<float>(), n, dg.as<float>());
  expect_close(download<float>(dg, n), want, kEmulated ? 0.0f : 4e-6f, 0.0f, "silu_mul");
  std::vector<float> sum = gate;
  for (size_t i = 0; i < n; ++i) sum[i] += up[i];
  DeviceBuffer dx = upload(gate);
  add(s(), dx.as<float>(), du.as<float>(), n);
  EXPECT_EQ(download<float>(dx, n), sum);
}

TEST_F(CudaTest, ToBf16RoundsLikeTheHostConversion) {
  const auto x = random_floats(777, 8, 100.0f);
  DeviceBuffer dx = upload(x), out(x.size() * 2);
  to_bf16(s(), dx.as<float>(), x.size(), out.as<uint16_t>());
  EXPECT_EQ(download<uint16_t>(out, x.size()), to_bf16_host(x));
}

TEST_F(CudaTest, GemmMatchesTheCpuMatmulWithBias) {
  const int n = 5, in = 96, out = 40;
  const auto x = random_floats(n * in, 9);
  const auto w = to_bf16_host(random_floats(out * in, 10, 0.2f));
  const auto bias = random_floats(out, 11);
  std::vector<float> want(n * out);
  const model::TensorView bias_view = view(bias, {out});
  cpu::matmul(x.data(), n, view(w, {out, in}), &bias_view, want.data());
  Gemm gemm;
  DeviceMatrix dw = upload_matrix(s(), view(w, {out, in}));
  DeviceBuffer dx = upload(x), db = upload(bias), dy(want.size() * 4);
  gemm.matmul(s(), dx.as<float>(), n, dw, db.as<float>(), dy.as<float>());
  const auto got = download<float>(dy, want.size());
  if (kEmulated) {
    EXPECT_EQ(got, want);  // the emulated GEMM is the CPU matmul
  } else {
    expect_close(got, want, 2e-2f, 2e-2f, "cuBLASLt bf16 gemm");  // x rounded to bf16
  }
}

// A cache filled by kv_write must equal the CPU cache written slot by slot (fp32: the values;
// bf16: the values rounded to nearest even, bit for bit), and attention over it must match
// attend_head over the same values for every head of every token, across several splits.
struct AttentionCase {
  int n_heads, n_kv_heads, head_dim, block_size;
  std::vector<int> seq_lengths;  // each sequence attends from its last position
  KvDtype dtype = KvDtype::kBf16;
};

// Stable CTest names: gtest_discover_tests appends the printed parameter.
void PrintTo(const AttentionCase& c, std::ostream* os) {
  *os << c.n_heads << " heads over " << c.n_kv_heads << " KV heads, head_dim " << c.head_dim
      << ", block " << c.block_size << ", " << c.seq_lengths.size() << " sequences, "
      << kv_dtype_name(c.dtype) << " cache";
}

class AttentionTest : public CudaTest, public ::testing::WithParamInterface<AttentionCase> {};

// What the cache holds of v: v itself, or v rounded to bf16 and widened back.
std::vector<float> as_stored(std::vector<float> v, KvDtype dtype) {
  if (dtype == KvDtype::kBf16) {
    for (float& x : v) x = model::bf16_to_f32(model::f32_to_bf16(x));
  }
  return v;
}

TEST_P(AttentionTest, KvWriteAndAttentionMatchTheCpuOps) {
  const AttentionCase& p = GetParam();
  const int n_layers = 2, layer = 1;
  const int n_seqs = static_cast<int>(p.seq_lengths.size());
  const int longest = *std::max_element(p.seq_lengths.begin(), p.seq_lengths.end());
  const int max_blocks = (longest + p.block_size - 1) / p.block_size;
  // Block tables: a shuffled pool, so sequences' blocks are scattered.
  std::vector<int32_t> pool(n_seqs * max_blocks);
  std::iota(pool.begin(), pool.end(), 0);
  std::mt19937 rng(3);
  std::shuffle(pool.begin(), pool.end(), rng);
  const cpu::KvCacheShape shape{.n_layers = n_layers, .n_kv_heads = p.n_kv_heads,
                                .head_dim = p.head_dim, .block_size_tokens = p.block_size,
                                .n_blocks = static_cast<int>(pool.size())};
  const KvLayout layout{.n_layers = n_layers, .n_kv_heads = p.n_kv_heads, .head_dim = p.head_dim,
                        .block_size_tokens = p.block_size, .n_blocks = shape.n_blocks,
                        .dtype = p.dtype};
  // Every position of every sequence is one token of the batch (a prefill).
  std::vector<int32_t> positions, seq_ids;
  for (int sq = 0; sq < n_seqs; ++sq) {
    for (int t = 0; t < p.seq_lengths[sq]; ++t) {
      positions.push_back(t);
      seq_ids.push_back(sq);
    }
  }
  const int n = static_cast<int>(positions.size());
  const int kv_dim = p.n_kv_heads * p.head_dim, q_dim = p.n_heads * p.head_dim;
  const auto k = random_floats(n * kv_dim, 20), v = random_floats(n * kv_dim, 21);
  const auto q = random_floats(n * q_dim, 22, 2.0f);

  const std::vector<float> k_stored = as_stored(k, p.dtype), v_stored = as_stored(v, p.dtype);
  cpu::KvCache cache(shape);
  for (int t = 0; t < n; ++t) {
    const int block = pool[seq_ids[t] * max_blocks + positions[t] / p.block_size];
    for (int h = 0; h < p.n_kv_heads; ++h) {
      const size_t slot = size_t(positions[t] % p.block_size) * p.head_dim;
      const size_t src = size_t(t * p.n_kv_heads + h) * p.head_dim;
      std::copy_n(&k_stored[src], p.head_dim, cache.key(block, layer, h) + slot);
      std::copy_n(&v_stored[src], p.head_dim, cache.value(block, layer, h) + slot);
    }
  }
  // Queries: positions around the split boundaries and the ends of every sequence (all
  // positions are written, but attention over every one would be slow in emulation).
  std::vector<int32_t> q_positions, q_seq_ids;
  std::vector<int> q_tokens;
  for (int t = 0; t < n; ++t) {
    const int pos = positions[t], len = p.seq_lengths[seq_ids[t]];
    const int in_split = pos % kSplitTokens;
    if (pos < 2 || pos >= len - 2 || in_split == 0 || in_split == kSplitTokens - 1 || pos == len / 2) {
      q_positions.push_back(pos);
      q_seq_ids.push_back(seq_ids[t]);
      q_tokens.push_back(t);
    }
  }
  const int n_q = static_cast<int>(q_tokens.size());
  std::vector<float> q_sel(size_t(n_q) * q_dim);
  for (int i = 0; i < n_q; ++i) std::copy_n(&q[size_t(q_tokens[i]) * q_dim], q_dim, &q_sel[size_t(i) * q_dim]);
  std::vector<float> want(size_t(n_q) * q_dim);
  for (int i = 0; i < n_q; ++i) {
    for (int h = 0; h < p.n_heads; ++h) {
      cpu::attend_head(&q_sel[size_t(i) * q_dim], h, p.n_heads, cache, layer,
                       std::span<const int32_t>(pool).subspan(q_seq_ids[i] * max_blocks, max_blocks),
                       q_positions[i], &want[size_t(i) * q_dim]);
    }
  }

  const size_t cache_elements = layout.elements_per_block() * layout.n_blocks;
  DeviceBuffer d_cache(cache_elements * layout.element_bytes());
  s().zero(d_cache.get(), d_cache.bytes());
  DeviceBuffer dk = upload(k), dv = upload(v), dq = upload(q_sel), dpos = upload(positions),
               dseq = upload(seq_ids), dtab = upload(pool), dout(want.size() * 4),
               dqpos = upload(q_positions), dqseq = upload(q_seq_ids);
  kv_write(s(), dk.as<float>(), dv.as<float>(), n, dpos.as<int32_t>(), dseq.as<int32_t>(),
           dtab.as<int32_t>(), max_blocks, layout, layer, d_cache.get());
  // The cache as floats: bf16 elements widen exactly.
  std::vector<float> got_cache(cache_elements);
  if (p.dtype == KvDtype::kBf16) {
    const auto bits = download<uint16_t>(d_cache, cache_elements);
    std::transform(bits.begin(), bits.end(), got_cache.begin(), model::bf16_to_f32);
  } else {
    got_cache = download<float>(d_cache, cache_elements);
  }
  for (int b = 0; b < layout.n_blocks; ++b) {
    for (int h = 0; h < p.n_kv_heads; ++h) {
      const float* ck = cache.key(b, layer, h);
      const float* cv = cache.value(b, layer, h);
      for (int i = 0; i < p.block_size * p.head_dim; ++i) {
        ASSERT_EQ(got_cache[layout.offset(b, layer, 0, h) + i], ck[i]) << "K block " << b;
        ASSERT_EQ(got_cache[layout.offset(b, layer, 1, h) + i], cv[i]) << "V block " << b;
      }
    }
  }
  const int max_position = longest - 1;
  DeviceBuffer scratch(attention_scratch_floats(n_q, p.n_heads, p.head_dim, max_position) * 4);
  attention(s(), dq.as<float>(), n_q, p.n_heads, dqpos.as<int32_t>(), dqseq.as<int32_t>(),
            dtab.as<int32_t>(), max_blocks, d_cache.get(), layout, layer, max_position,
            scratch.as<float>(), dout.as<float>());
  expect_close(download<float>(dout, want.size()), want, 2e-5f, 2e-6f, "attention");
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, AttentionTest,
    ::testing::Values(
        // Qwen2-tiny-like: group 2; one sequence spans 3 splits of kSplitTokens.
        AttentionCase{4, 2, 16, 16, {1, 5, 600}},
        // Llama-tiny-like: head_dim 32, group 2, block size not a divisor of a split.
        AttentionCase{4, 2, 32, 12, {300, 17}},
        // 1.5B-like group 6, head_dim 128; 7B-like group 7 with 64 dims; multi-query (group 8).
        AttentionCase{12, 2, 128, 16, {260, 3}}, AttentionCase{14, 2, 64, 16, {40}},
        AttentionCase{8, 1, 256, 32, {513}},
        // The same kernels over an fp32 cache.
        AttentionCase{4, 2, 16, 16, {1, 5, 600}, KvDtype::kF32},
        AttentionCase{12, 2, 128, 16, {260, 3}, KvDtype::kF32}),
    [](const ::testing::TestParamInfo<AttentionCase>& info) {
      const AttentionCase& c = info.param;
      return "heads" + std::to_string(c.n_heads) + "_kv" + std::to_string(c.n_kv_heads) + "_dim" +
             std::to_string(c.head_dim) + "_block" + std::to_string(c.block_size) + "_" +
             kv_dtype_name(c.dtype);
    });

TEST_F(CudaTest, AttentionRefusesUnsupportedShapesByName) {
  const KvLayout layout{.n_layers = 1, .n_kv_heads = 1, .head_dim = 64, .block_size_tokens = 16,
                        .n_blocks = 1};
  try {
    attention(s(), nullptr, 1, 16, nullptr, nullptr, nullptr, 1, nullptr, layout, 0, 0, nullptr,
              nullptr);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("16 query heads over 1 KV heads"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
