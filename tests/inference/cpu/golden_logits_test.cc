// The CPU forward against Hugging Face transformers: tests/data/golden/tiny_{qwen2,llama}_logits.json
// were written by tools/golden/make_golden_logits.py from the model directories that
// make_tiny_model(dir, arch, seed) writes; here the same directories are regenerated (the writer
// is deterministic) and every recorded position's logits compared. Each sequence is run as one
// prefill batch; the "batch": "m" cases are also run together, interleaved, in one batch.
#include <cmath>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "inference/cpu/forward.h"
#include "inference/tools.h"
#include "tests/inference/model/scratch_dir.h"

namespace boxed::inference::cpu {
namespace {

// fp32 over identical fp32 weights; the two sides differ only in summation order and in
// cos/sin/exp rounding. Measured max abs errors: 1.4e-6 (Qwen2), 1.3e-5 (Llama, whose tied
// embeddings of standard deviation 1 give logits up to |40|); the bound is ~4x the latter.
constexpr double kAbsTolerance = 5e-5;
constexpr double kRelTolerance = 1e-6;

struct Case {
  std::string note;
  std::vector<int32_t> tokens;
  std::vector<int32_t> positions;
  std::vector<std::vector<float>> logits;
  std::string batch;
};

nlohmann::json read_golden(const std::string& arch) {
  const char* root = std::getenv("BOXED_SOURCE_DIR");
  const std::string path = std::string(root ? root : ".") + "/tests/data/golden/tiny_" + arch + "_logits.json";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return nlohmann::json::parse(in);
}

std::vector<Case> cases_of(const nlohmann::json& golden) {
  std::vector<Case> cases;
  for (const auto& c : golden["cases"]) {
    cases.push_back({c["note"], c["tokens"], c["positions"], c["logits"], c.value("batch", "")});
  }
  return cases;
}

// Runs `sequences` together in one batch, tokens interleaved round-robin, and returns the logits
// at each sequence's recorded positions: [sequence][position index][vocab].
std::vector<std::vector<std::vector<float>>> run_together(const model::Model& m,
                                                          const std::vector<const Case*>& sequences) {
  const model::ModelConfig& c = m.config();
  constexpr int kBlock = 16;
  int max_len = 0;
  for (const Case* s : sequences) max_len = std::max<int>(max_len, s->tokens.size());
  const int max_blocks = (max_len + kBlock - 1) / kBlock;
  const int n_seqs = static_cast<int>(sequences.size());
  KvCache cache({.n_layers = c.n_layers, .n_kv_heads = c.n_kv_heads, .head_dim = c.head_dim,
                 .block_size_tokens = kBlock, .n_blocks = n_seqs * max_blocks});
  std::vector<int32_t> table(n_seqs * max_blocks);
  // Blocks assigned in reverse so that physical ids never coincide with logical ones.
  for (int i = 0; i < n_seqs * max_blocks; ++i) table[i] = n_seqs * max_blocks - 1 - i;
  std::vector<int32_t> tokens, positions, seq_ids, wanted;
  std::vector<std::pair<int, int>> wanted_of;  // (sequence, recorded position index)
  for (int p = 0; p < max_len; ++p) {
    for (int s = 0; s < n_seqs; ++s) {
      const Case& cs = *sequences[s];
      if (p >= static_cast<int>(cs.tokens.size())) continue;
      for (size_t k = 0; k < cs.positions.size(); ++k) {
        if (cs.positions[k] == p) {
          wanted.push_back(static_cast<int32_t>(tokens.size()));
          wanted_of.emplace_back(s, static_cast<int>(k));
        }
      }
      tokens.push_back(cs.tokens[p]);
      positions.push_back(p);
      seq_ids.push_back(s);
    }
  }
  std::vector<float> logits(wanted.size() * c.vocab_size);
  CpuForward forward(m);
  forward.run({.tokens = tokens, .positions = positions, .seq_ids = seq_ids, .block_tables = table,
               .max_blocks_per_seq = max_blocks, .logit_indices = wanted},
              cache, logits);
  std::vector<std::vector<std::vector<float>>> out(n_seqs);
  for (int s = 0; s < n_seqs; ++s) out[s].resize(sequences[s]->positions.size());
  for (size_t i = 0; i < wanted.size(); ++i) {
    out[wanted_of[i].first][wanted_of[i].second].assign(logits.begin() + i * c.vocab_size,
                                                         logits.begin() + (i + 1) * c.vocab_size);
  }
  return out;
}

// Max abs error of one sequence's logits; fails on any element outside the tolerance.
double compare(const Case& golden, const std::vector<std::vector<float>>& got) {
  double max_error = 0;
  for (size_t k = 0; k < golden.positions.size(); ++k) {
    EXPECT_EQ(got[k].size(), golden.logits[k].size()) << golden.note;
    for (size_t v = 0; v < got[k].size() && v < golden.logits[k].size(); ++v) {
      const double want = golden.logits[k][v];
      const double error = std::fabs(got[k][v] - want);
      max_error = std::max(max_error, error);
      EXPECT_LE(error, kAbsTolerance + kRelTolerance * std::fabs(want))
          << golden.note << ": position " << golden.positions[k] << " token " << v << " got "
          << got[k][v] << " want " << want;
    }
  }
  return max_error;
}

class GoldenLogits : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenLogits, MatchesTransformers) {
  const std::string arch = GetParam();
  const nlohmann::json golden = read_golden(arch);
  ASSERT_EQ(golden["arch"], arch);
  testing::ScratchDir dir("golden_" + arch);
  make_tiny_model(dir.path().string(), arch, golden["seed"].get<uint64_t>());
  const std::unique_ptr<model::Model> m = model::Model::load(dir.path());
  ASSERT_EQ(m->config().vocab_size, golden["vocab_size"].get<int>());

  const std::vector<Case> cases = cases_of(golden);
  double max_error = 0;
  std::vector<const Case*> batch_m;
  for (const Case& c : cases) {
    const double error = compare(c, run_together(*m, {&c})[0]);
    std::printf("[golden %s] %-70s max abs error %.3g\n", arch.c_str(), c.note.c_str(), error);
    max_error = std::max(max_error, error);
    if (c.batch == "m") batch_m.push_back(&c);
  }
  ASSERT_GE(batch_m.size(), 2u);
  const auto together = run_together(*m, batch_m);
  for (size_t s = 0; s < batch_m.size(); ++s) {
    const double error = compare(*batch_m[s], together[s]);
    std::printf("[golden %s] %-70s max abs error %.3g\n", arch.c_str(),
                ("in one batch: " + batch_m[s]->note).c_str(), error);
    max_error = std::max(max_error, error);
  }
  std::printf("[golden %s] overall max abs error %.3g\n", arch.c_str(), max_error);
  RecordProperty("max_abs_error", std::to_string(max_error));
}

INSTANTIATE_TEST_SUITE_P(TinyModels, GoldenLogits, ::testing::Values("qwen2", "llama"));

}  // namespace
}  // namespace boxed::inference::cpu
