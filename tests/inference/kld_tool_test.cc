// score_kl_divergence (inference/tools.h): a model against itself scores exactly 0 with full
// top-1 agreement; the tiny model against its AWQ quantization (tests/data/model/awq) scores a
// positive KLD that matches an independent computation — each scored position's logits from a
// separate forward over the prefix (last_token_logits), KL summed in long double; chunking and
// BOS as llama-perplexity does them; vocabulary mismatches and short texts refused.
#include <cmath>
#include <filesystem>

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "inference/model/random_model.h"
#include "inference/tokenizer/tokenizer.h"
#include "inference/tools.h"
#include "tests/inference/model/scratch_dir.h"
#include "tests/support/run_boxed.h"

namespace boxed::inference {
namespace {

std::filesystem::path awq_dir() {
  const char* root = std::getenv("BOXED_SOURCE_DIR");
  return std::filesystem::path(root ? root : BOXED_SOURCE_DIR_PATH) / "tests/data/model/awq/tiny-qwen2-awq";
}

std::string sample_text() {
  std::string text;
  for (int i = 0; i < 12; ++i) {
    text += "The sum of the roots of x^2 - " + std::to_string(i + 3) + "x + 2 = 0 is " +
            std::to_string(i + 3) + ". ";
  }
  return text;
}

TEST(KldTool, SameModelScoresExactlyZero) {
  testing::ScratchDir dir("kld_same");
  make_tiny_model((dir.path() / "m").string(), "qwen2", 1);
  const KldScores s = score_kl_divergence({.base_model = (dir.path() / "m").string(),
                                           .candidate_model = (dir.path() / "m").string(),
                                           .text = sample_text(), .context_tokens = 32});
  ASSERT_GE(s.n_chunks, 2);
  ASSERT_EQ(s.kld.size(), size_t(s.n_chunks) * (32 - 1 - 16));  // positions 16..30 of each chunk
  for (size_t i = 0; i < s.kld.size(); ++i) {
    EXPECT_EQ(s.kld[i], 0.0) << i;
    EXPECT_EQ(s.same_top1[i], 1) << i;
    EXPECT_EQ(s.nll_base[i], s.nll_candidate[i]) << i;
    EXPECT_GT(s.nll_base[i], 0.0) << i;
  }
}

// KL(p || q) in long double from two logit vectors.
long double reference_kl(const std::vector<float>& b, const std::vector<float>& c) {
  const auto lse = [](const std::vector<float>& l) {
    long double m = l[0], sum = 0;
    for (float x : l) m = std::max<long double>(m, x);
    for (float x : l) sum += std::exp(static_cast<long double>(x) - m);
    return m + std::log(sum);
  };
  const long double zb = lse(b), zc = lse(c);
  long double kl = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    const long double lpb = b[i] - zb, lpc = c[i] - zc;
    kl += std::exp(lpb) * (lpb - lpc);
  }
  return kl;
}

TEST(KldTool, AwqCandidateMatchesIndependentComputation) {
  testing::ScratchDir dir("kld_awq");
  const std::string base = (dir.path() / "m").string();
  make_tiny_model(base, "qwen2", 1);  // the float model the AWQ checkpoint was packed from
  const std::string text = sample_text();
  const int n = 32;
  const KldScores s = score_kl_divergence(
      {.base_model = base, .candidate_model = awq_dir().string(), .text = text, .context_tokens = n,
       .max_chunks = 2, .all_positions = true});
  ASSERT_EQ(s.n_chunks, 2);
  ASSERT_EQ(s.kld.size(), size_t(2 * (n - 1)));
  EXPECT_TRUE(s.bos_added);  // the tiny model's tokenizer_config.json says add_bos_token
  // The chunks as llama-perplexity builds them: BOS + text tokens, cut every n, the first
  // token of each chunk replaced by BOS.
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(base);
  std::vector<int32_t> tokens = {*tok.bos_id()};
  for (int32_t id : tok.encode(text, false)) tokens.push_back(id);
  double sum = 0;
  for (int chunk = 0; chunk < 2; ++chunk) {
    std::vector<int32_t> piece(tokens.begin() + chunk * n, tokens.begin() + (chunk + 1) * n);
    piece[0] = *tok.bos_id();
    for (int j : {0, 7, 15, 16, 30}) {
      const std::span<const int32_t> prefix(piece.data(), j + 1);
      const std::vector<float> b = last_token_logits(base, prefix);
      const std::vector<float> c = last_token_logits(awq_dir().string(), prefix);
      const size_t at = size_t(chunk) * (n - 1) + j;
      EXPECT_NEAR(s.kld[at], static_cast<double>(reference_kl(b, c)), 1e-9) << chunk << "/" << j;
      const int top_b = int(std::max_element(b.begin(), b.end()) - b.begin());
      const int top_c = int(std::max_element(c.begin(), c.end()) - c.begin());
      EXPECT_EQ(s.same_top1[at], top_b == top_c ? 1 : 0);
      long double zb = 0;
      for (float x : b) zb += std::exp(static_cast<long double>(x));
      EXPECT_NEAR(s.nll_base[at], static_cast<double>(std::log(zb) - b[piece[j + 1]]), 1e-9);
    }
  }
  for (double k : s.kld) sum += k;
  EXPECT_GT(sum / s.kld.size(), 1e-6) << "4-bit weights must change the distribution";
}

TEST(KldTool, RefusesDifferentVocabulariesAndShortTexts) {
  testing::ScratchDir dir("kld_bad");
  const std::string base = (dir.path() / "m").string();
  make_tiny_model(base, "qwen2", 1);
  model::ModelConfig c;
  c.vocab_size = 40;
  c.hidden_size = 32;
  c.n_layers = 1;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.head_dim = 8;
  c.intermediate_size = 48;
  c.max_position_embeddings = 128;
  c.attention_bias = true;
  model::write_random_model(dir.path() / "small", c, 3, model::DType::kBF16);
  try {
    score_kl_divergence({.base_model = base, .candidate_model = (dir.path() / "small").string(),
                         .text = sample_text(), .context_tokens = 32});
    ADD_FAILURE() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("vocabularies differ"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("has 40"), std::string::npos) << e.what();
  }
  try {
    score_kl_divergence({.base_model = base, .candidate_model = base, .text = "too short", .context_tokens = 32});
    ADD_FAILURE() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("fewer than one chunk of --context 32"), std::string::npos) << e.what();
  }
}

// `boxed kld` exit status: 0 under --max-kld, 1 over it, 2 for bad input; --json fields.
TEST(KldCommand, ExitCodesAndJson) {
  testing::ScratchDir dir("kld_cli");
  const std::string base = (dir.path() / "m").string();
  make_tiny_model(base, "qwen2", 1);
  const std::string text = (dir.path() / "t.txt").string();
  std::ofstream(text) << sample_text();
  const std::string common = base + " " + awq_dir().string() + " --text " + text + " --context 32 --json";
  const boxed::testing::RunResult over = boxed::testing::run_boxed("kld " + common + " --max-kld 0.0001");
  EXPECT_EQ(over.exit_code, 1) << over.output;
  const nlohmann::json j = nlohmann::json::parse(over.output);
  EXPECT_GT(j["kld"]["mean"].get<double>(), 0.0001);
  EXPECT_GE(j["kld"]["p99"].get<double>(), j["kld"]["median"].get<double>());
  EXPECT_GE(j["kld"]["max"].get<double>(), j["kld"]["p99"].get<double>());
  EXPECT_GT(j["top1_agreement"].get<double>(), 0.0);
  EXPECT_LE(j["top1_agreement"].get<double>(), 1.0);
  EXPECT_GT(j["ppl_candidate"].get<double>(), 1.0);
  EXPECT_EQ(j["pass"], false);
  const boxed::testing::RunResult under = boxed::testing::run_boxed("kld " + common + " --max-kld 1");
  EXPECT_EQ(under.exit_code, 0) << under.output;
  const boxed::testing::RunResult bad =
      boxed::testing::run_boxed("kld " + base + " " + base + " --text " + text + " --context 100000");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("fewer than one chunk"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace boxed::inference
