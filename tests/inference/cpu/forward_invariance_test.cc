// Determinism of the CPU forward: a token's logits are bit-identical whether its sequence is
// prefilled at once or token by token, alone or mixed into a batch with other sequences, with
// any thread count, and when its prompt prefix is shared with another sequence (copy-on-write
// with KvCache::copy_block). Also: BF16, F16 and F32 storage of the same values give the same
// bits, and inconsistent batches are refused with a message.
#include <cstring>
#include <numeric>
#include <random>

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "inference/cpu/forward.h"
#include "inference/model/random_model.h"
#include "inference/model/safetensors_writer.h"
#include "inference/tools.h"
#include "tests/inference/model/scratch_dir.h"

namespace boxed::inference::cpu {
namespace {

constexpr int kBlock = 16;
constexpr int kMaxBlocks = 8;  // 128 positions per sequence

struct Entry {
  int seq;
  int position;
  int32_t token;
  bool want_logits;
};

// A model plus a cache and per-sequence block tables; runs batches of entries.
class Harness {
 public:
  explicit Harness(const model::Model& m, int n_seqs)
      : model_(m),
        cache_({.n_layers = m.config().n_layers, .n_kv_heads = m.config().n_kv_heads,
                .head_dim = m.config().head_dim, .block_size_tokens = kBlock,
                .n_blocks = n_seqs * kMaxBlocks}),
        table_(n_seqs * kMaxBlocks) {
    // Physical blocks interleaved across sequences: sequence s, logical b -> b * n_seqs + s.
    for (int s = 0; s < n_seqs; ++s) {
      for (int b = 0; b < kMaxBlocks; ++b) table_[s * kMaxBlocks + b] = b * n_seqs + s;
    }
  }

  // Logits of the entries with want_logits, in entry order.
  std::vector<std::vector<float>> run(const std::vector<Entry>& entries) {
    std::vector<int32_t> tokens, positions, seq_ids, wanted;
    for (const Entry& e : entries) {
      if (e.want_logits) wanted.push_back(static_cast<int32_t>(tokens.size()));
      tokens.push_back(e.token);
      positions.push_back(e.position);
      seq_ids.push_back(e.seq);
    }
    const int vocab = model_.config().vocab_size;
    std::vector<float> logits(wanted.size() * vocab);
    CpuForward(model_).run({.tokens = tokens, .positions = positions, .seq_ids = seq_ids,
                            .block_tables = table_, .max_blocks_per_seq = kMaxBlocks,
                            .logit_indices = wanted},
                           cache_, logits);
    std::vector<std::vector<float>> out;
    for (size_t i = 0; i < wanted.size(); ++i) {
      out.emplace_back(logits.begin() + i * vocab, logits.begin() + (i + 1) * vocab);
    }
    return out;
  }

  std::vector<int32_t>& table() { return table_; }
  KvCache& cache() { return cache_; }

 private:
  const model::Model& model_;
  KvCache cache_;
  std::vector<int32_t> table_;
};

std::vector<int32_t> sequence(int length, int vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> ids(length);
  for (int32_t& id : ids) id = static_cast<int32_t>(rng() % vocab);
  return ids;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Logits at every position of `ids`, prefilled as one batch of a single sequence.
std::vector<std::vector<float>> prefill_alone(const model::Model& m, const std::vector<int32_t>& ids) {
  Harness h(m, 1);
  std::vector<Entry> entries;
  for (int p = 0; p < static_cast<int>(ids.size()); ++p) entries.push_back({0, p, ids[p], true});
  return h.run(entries);
}

class ForwardInvariance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    make_tiny_model(dir_.path().string(), GetParam(), 5);
    model_ = model::Model::load(dir_.path());
    vocab_ = model_->config().vocab_size;
  }
  testing::ScratchDir dir_{"invariance"};
  std::unique_ptr<model::Model> model_;
  int vocab_ = 0;
};

TEST_P(ForwardInvariance, PrefillAtOnceEqualsTokenByToken) {
  const std::vector<int32_t> ids = sequence(40, vocab_, 1);
  const auto at_once = prefill_alone(*model_, ids);
  Harness h(*model_, 1);
  for (int p = 0; p < 40; ++p) {
    const auto step = h.run({{0, p, ids[p], true}});
    ASSERT_TRUE(same_bits(step[0], at_once[p])) << "position " << p;
  }
  // Chunked prefill: 13 + 13 + 14 tokens.
  Harness chunked(*model_, 1);
  for (int begin = 0; begin < 40; begin += 13) {
    std::vector<Entry> chunk;
    for (int p = begin; p < std::min(40, begin + 13); ++p) chunk.push_back({0, p, ids[p], true});
    const auto out = chunked.run(chunk);
    for (size_t i = 0; i < out.size(); ++i) ASSERT_TRUE(same_bits(out[i], at_once[begin + i]));
  }
}

TEST_P(ForwardInvariance, MixedBatchEqualsAlone) {
  const std::vector<std::vector<int32_t>> seqs = {sequence(30, vocab_, 2), sequence(7, vocab_, 3),
                                                  sequence(50, vocab_, 4)};
  std::vector<std::vector<std::vector<float>>> alone;
  for (const auto& ids : seqs) alone.push_back(prefill_alone(*model_, ids));

  // Sequence 1 is prefilled first; then all three advance in batches of varying composition
  // (chunks of different sizes, entries shuffled within the batch).
  Harness h(*model_, 3);
  std::vector<int> next = {0, 0, 0};
  std::mt19937 rng(9);
  while (next[0] < 30 || next[1] < 7 || next[2] < 50) {
    std::vector<Entry> batch;
    for (int s = 0; s < 3; ++s) {
      const int take = std::min<int>(1 + rng() % 9, static_cast<int>(seqs[s].size()) - next[s]);
      for (int k = 0; k < take; ++k, ++next[s]) batch.push_back({s, next[s], seqs[s][next[s]], true});
    }
    // Shuffle while keeping each sequence's own positions in ascending order is not required:
    // all K/V of the batch are written before any attention reads.
    std::shuffle(batch.begin(), batch.end(), rng);
    const auto out = h.run(batch);
    for (size_t i = 0; i < batch.size(); ++i) {
      ASSERT_TRUE(same_bits(out[i], alone[batch[i].seq][batch[i].position]))
          << "sequence " << batch[i].seq << " position " << batch[i].position;
    }
  }
}

TEST_P(ForwardInvariance, ThreadCountDoesNotChangeBits) {
  const std::vector<int32_t> ids = sequence(33, vocab_, 5);
  std::vector<std::vector<std::vector<float>>> runs;
  for (int threads : {1, 2, 3, 8}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    runs.push_back(prefill_alone(*model_, ids));
  }
  for (size_t r = 1; r < runs.size(); ++r) {
    for (size_t p = 0; p < ids.size(); ++p) ASSERT_TRUE(same_bits(runs[r][p], runs[0][p])) << r << " " << p;
  }
}

TEST_P(ForwardInvariance, SharedPrefixWithCopyOnWrite) {
  // Two samples share a 20-token prompt: blocks 0 (full) and 1 (4 of 16 slots used) are
  // prefilled once for sequence 0; sequence 1 points at the same block 0 and gets a private copy
  // of block 1 before both append different tokens.
  const std::vector<int32_t> prompt = sequence(20, vocab_, 6);
  std::vector<int32_t> a = prompt, b = prompt;
  for (int32_t t : sequence(9, vocab_, 7)) a.push_back(t);
  for (int32_t t : sequence(9, vocab_, 8)) b.push_back(t);
  const auto a_alone = prefill_alone(*model_, a);
  const auto b_alone = prefill_alone(*model_, b);

  Harness h(*model_, 2);
  std::vector<int32_t>& table = h.table();
  table[0 * kMaxBlocks + 0] = 10, table[0 * kMaxBlocks + 1] = 11, table[0 * kMaxBlocks + 2] = 12;
  table[1 * kMaxBlocks + 0] = 10, table[1 * kMaxBlocks + 1] = 13, table[1 * kMaxBlocks + 2] = 14;
  std::vector<Entry> prefill;
  for (int p = 0; p < 20; ++p) prefill.push_back({0, p, prompt[p], p == 19});
  const auto prompt_logits = h.run(prefill);
  ASSERT_TRUE(same_bits(prompt_logits[0], a_alone[19]));
  h.cache().copy_block(11, 13);
  for (int p = 20; p < 29; ++p) {
    const auto out = h.run({{1, p, b[p], true}, {0, p, a[p], true}});
    ASSERT_TRUE(same_bits(out[0], b_alone[p])) << "sample b, position " << p;
    ASSERT_TRUE(same_bits(out[1], a_alone[p])) << "sample a, position " << p;
  }
}

TEST_P(ForwardInvariance, InconsistentBatchesAreRefused) {
  Harness h(*model_, 1);
  const auto message = [&](const std::vector<Entry>& entries) -> std::string {
    try {
      h.run(entries);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message({{0, 0, vocab_, true}}).find("outside the vocabulary"), std::string::npos);
  EXPECT_NE(message({{0, kBlock * kMaxBlocks, 1, true}}).find("does not fit 8 blocks of 16 tokens"),
            std::string::npos);
  EXPECT_NE(message({{1, 0, 1, true}}).find("seq_id 1 at index 0 outside 0..0"), std::string::npos);
  EXPECT_NE(message({{0, 3, 1, true}, {0, 3, 2, true}}).find("two tokens of the batch write KV block 0 slot 3"),
            std::string::npos);
  h.table()[0] = 1000;
  EXPECT_NE(message({{0, 0, 1, true}}).find("block 0 is 1000, outside the cache's 0..7"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(TinyModels, ForwardInvariance, ::testing::Values("qwen2", "llama"));

// Writes the tiny model at `from` again into `to` with every tensor stored as `dtype`; with
// `through_f16` the values are first rounded to binary16 (tiny BF16 values are F16 subnormals).
void restore_as(const std::filesystem::path& from, const std::filesystem::path& to,
                model::DType dtype, bool through_f16) {
  std::filesystem::create_directories(to);
  std::filesystem::copy_file(from / "config.json", to / "config.json");
  model::SafetensorsFile source(from / "model.safetensors");
  std::vector<model::TensorData> tensors;
  for (const auto& [name, view] : source.tensors()) {
    std::vector<float> values(view.numel());
    model::convert_to_f32(view.dtype, view.data, values.size(), values.data());
    if (through_f16) {
      for (float& v : values) v = model::f16_to_f32(model::f32_to_f16(v));
    }
    tensors.push_back(model::make_tensor(name, dtype, view.shape, values));
  }
  model::write_safetensors(to / "model.safetensors", tensors);
}

// The same values stored in different dtypes are widened to the same fp32 numbers, so the
// logits must agree bit for bit (this exercises the three conversion paths of matmul):
// BF16 == F32 of the BF16 values, and F16 == F32 of the F16 values.
TEST(ForwardDtypes, SameValuesInBf16F16F32GiveTheSameBits) {
  testing::ScratchDir dir("dtypes");
  make_tiny_model((dir.path() / "bf16").string(), "qwen2", 3);
  restore_as(dir.path() / "bf16", dir.path() / "f32", model::DType::kF32, false);
  restore_as(dir.path() / "bf16", dir.path() / "f16", model::DType::kF16, true);
  restore_as(dir.path() / "bf16", dir.path() / "f16_as_f32", model::DType::kF32, true);
  const auto load = [&](const char* name) { return model::Model::load(dir.path() / name); };
  const auto bf16 = load("bf16"), f32 = load("f32"), f16 = load("f16"), f16_as_f32 = load("f16_as_f32");
  ASSERT_EQ(f16->weights().layers[0].q_proj.dtype, model::DType::kF16);
  ASSERT_EQ(f32->weights().lm_head.dtype, model::DType::kF32);
  const std::vector<int32_t> ids = sequence(18, bf16->config().vocab_size, 11);
  const auto a = prefill_alone(*bf16, ids), b = prefill_alone(*f32, ids);
  const auto c = prefill_alone(*f16, ids), d = prefill_alone(*f16_as_f32, ids);
  for (size_t p = 0; p < ids.size(); ++p) {
    ASSERT_TRUE(same_bits(a[p], b[p])) << "BF16 vs F32, position " << p;
    ASSERT_TRUE(same_bits(c[p], d[p])) << "F16 vs F32, position " << p;
  }
  EXPECT_FALSE(same_bits(a[0], c[0])) << "F16 rounding should have changed something";
}

}  // namespace
}  // namespace boxed::inference::cpu
