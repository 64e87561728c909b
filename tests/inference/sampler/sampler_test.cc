// The sampler against an independent reference (Hugging Face transformers' warpers, via the
// committed tests/data/sampler/distribution_cases.jsonl), chi-square tests of the draws, and the
// exact properties: greedy, ties, top-k = 1, top-p and min-p cut points, the id-order walk.
#include "inference/sampler/sampler.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace boxed::inference::sampler {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

std::vector<float> log_probs(std::initializer_list<double> ps) {
  std::vector<float> out;
  for (double p : ps) out.push_back(static_cast<float>(std::log(p)));
  return out;
}

std::vector<int32_t> kept_tokens(Sampler& s, std::span<const float> logits, SamplingParams p) {
  std::vector<int32_t> out;
  for (const Candidate& c : s.distribution(logits, p)) out.push_back(c.token);
  return out;
}

// Upper 0.1% point of chi-square with `df` degrees of freedom, by the Wilson-Hilferty cube
// approximation (E. B. Wilson, M. M. Hilferty, PNAS 17(12), 1931); z_0.999 = 3.0902.
double chi_square_critical_999(int df) {
  const double a = 2.0 / (9.0 * df);
  return df * std::pow(1.0 - a + 3.0902 * std::sqrt(a), 3.0);
}

struct Case {
  std::string note;
  std::vector<float> logits;
  SamplingParams params;
  std::map<int32_t, double> expected;
};

std::vector<Case> load_cases() {
  std::ifstream in("tests/data/sampler/distribution_cases.jsonl");
  EXPECT_TRUE(in) << "run from the repository root (ctest sets WORKING_DIRECTORY)";
  std::vector<Case> cases;
  std::string line;
  while (std::getline(in, line)) {
    const nlohmann::json row = nlohmann::json::parse(line);
    Case c{.note = row.at("note").get<std::string>()};
    for (const nlohmann::json& v : row.at("logits")) {
      c.logits.push_back(v.is_string() ? kNegInf : v.get<float>());
    }
    c.params.temperature = row.at("temperature").get<float>();
    c.params.top_k = row.at("top_k").get<int>();
    c.params.top_p = row.at("top_p").get<float>();
    c.params.min_p = row.at("min_p").get<float>();
    for (const auto& [token, p] : row.at("expected").items()) {
      c.expected[std::stoi(token)] = p.get<double>();
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

TEST(Sampler, DistributionMatchesTransformersWarpers) {
  const std::vector<Case> cases = load_cases();
  ASSERT_EQ(cases.size(), 10u);
  Sampler sampler;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.note);
    const std::vector<Candidate> got = sampler.distribution(c.logits, c.params);
    ASSERT_EQ(got.size(), c.expected.size());
    for (const Candidate& cand : got) {
      ASSERT_TRUE(c.expected.contains(cand.token)) << "token " << cand.token << " kept";
      EXPECT_NEAR(cand.probability, c.expected.at(cand.token), 2e-6) << "token " << cand.token;
    }
  }
}

TEST(Sampler, DrawsFollowTheReferenceDistribution) {
  // 20,000 draws per case over consecutive positions with a fixed seed; bins with expected
  // count under 5 are pooled (the usual validity rule for Pearson's test).
  constexpr int kDraws = 20000;
  Sampler sampler;
  uint64_t seed = 1;
  for (const Case& c : load_cases()) {
    SCOPED_TRACE(c.note);
    std::map<int32_t, int> counts;
    for (int i = 0; i < kDraws; ++i) {
      ++counts[sampler.sample(c.logits, c.params, seed, i)];
    }
    ++seed;
    double chi2 = 0, pooled_expected = 0, pooled_observed = 0;
    int bins = 0;
    for (const auto& [token, p] : c.expected) {
      const double e = p * kDraws;
      const double o = counts.contains(token) ? counts.at(token) : 0;
      if (e < 5) {
        pooled_expected += e;
        pooled_observed += o;
        continue;
      }
      chi2 += (o - e) * (o - e) / e;
      ++bins;
    }
    if (pooled_expected > 0) {
      chi2 += (pooled_observed - pooled_expected) * (pooled_observed - pooled_expected) /
              pooled_expected;
      ++bins;
    }
    for (const auto& [token, n] : counts) {
      EXPECT_TRUE(c.expected.contains(token)) << "drew token " << token << " outside the kept set";
    }
    if (bins < 2) continue;  // a single kept token: checked by the line above
    EXPECT_LT(chi2, chi_square_critical_999(bins - 1)) << bins << " bins";
  }
}

TEST(Sampler, GreedyTakesTheLowestIdAmongTiedMaxima) {
  EXPECT_EQ(greedy(std::vector<float>{1, 3, 3, 0}), 1);
  EXPECT_EQ(greedy(std::vector<float>{NAN, -1, NAN}), 1);
  EXPECT_EQ(greedy(std::vector<float>{kNegInf, kNegInf}), 0);
  Sampler sampler;
  const SamplingParams zero_t{.temperature = 0, .top_p = 0.1f, .top_k = 3};
  for (uint64_t seed = 0; seed < 50; ++seed) {
    EXPECT_EQ(sampler.sample(std::vector<float>{0.5f, 2, 2, 1.9f}, zero_t, seed, 7), 1);
  }
}

TEST(Sampler, TopKOfOneIsGreedyForAnyTemperatureAndSeed) {
  std::mt19937 gen(7);
  std::normal_distribution<float> normal(0, 3);
  Sampler sampler;
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<float> logits(97);
    for (float& l : logits) l = std::round(normal(gen));  // rounding makes ties common
    const SamplingParams p{.temperature = 0.1f + 0.05f * (trial % 40), .top_p = 1, .top_k = 1};
    EXPECT_EQ(sampler.sample(logits, p, 1000 + trial, trial), greedy(logits));
  }
}

TEST(Sampler, TopKBreaksTiesTowardLowerIds) {
  Sampler sampler;
  const std::vector<float> logits{1, 3, 3, 3, 0};
  EXPECT_EQ(kept_tokens(sampler, logits, {.temperature = 1, .top_p = 1, .top_k = 2}),
            (std::vector<int32_t>{1, 2}));
}

TEST(Sampler, TopPKeepsTheSmallestPrefixReachingP) {
  Sampler sampler;
  // p = 0.5, 0.3, 0.15, 0.05 at ids 2, 0, 3, 1.
  const std::vector<float> logits = log_probs({0.3, 0.05, 0.5, 0.15});
  auto kept = [&](float top_p) {
    return kept_tokens(sampler, logits, {.temperature = 1, .top_p = top_p});
  };
  EXPECT_EQ(kept(0.2f), (std::vector<int32_t>{2}));           // 0.5 alone covers it
  EXPECT_EQ(kept(0.49f), (std::vector<int32_t>{2}));
  EXPECT_EQ(kept(0.51f), (std::vector<int32_t>{0, 2}));       // 0.5 < 0.51: needs 0.3 more
  EXPECT_EQ(kept(0.79f), (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(kept(0.81f), (std::vector<int32_t>{0, 2, 3}));
  EXPECT_EQ(kept(0.96f), (std::vector<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(kept(1.0f), (std::vector<int32_t>{0, 1, 2, 3}));
  // top-p is measured after top-k renormalised the mass: within {2, 0} the split is 0.625/0.375.
  EXPECT_EQ(kept_tokens(sampler, logits, {.temperature = 1, .top_p = 0.6f, .top_k = 2}),
            (std::vector<int32_t>{2}));
  EXPECT_EQ(kept_tokens(sampler, logits, {.temperature = 1, .top_p = 0.64f, .top_k = 2}),
            (std::vector<int32_t>{0, 2}));
}

TEST(Sampler, MinPIsRelativeToTheBestToken) {
  Sampler sampler;
  const std::vector<float> logits = log_probs({0.5, 0.3, 0.15, 0.05});
  EXPECT_EQ(kept_tokens(sampler, logits, {.temperature = 1, .top_p = 1, .min_p = 0.2f}),
            (std::vector<int32_t>{0, 1, 2}));  // 0.15 >= 0.2 * 0.5; 0.05 is not
  EXPECT_EQ(kept_tokens(sampler, logits, {.temperature = 1, .top_p = 1, .min_p = 0.7f}),
            (std::vector<int32_t>{0}));
  EXPECT_EQ(kept_tokens(sampler, logits, {.temperature = 1, .top_p = 1, .min_p = 1.0f}),
            (std::vector<int32_t>{0}));  // the best token always survives
}

TEST(Sampler, WalksTheKeptTokensInIdOrder) {
  Sampler sampler;
  const std::vector<float> flat{0, 0, 0, 0};
  const SamplingParams p{.temperature = 1, .top_p = 1};
  EXPECT_EQ(sampler.pick(flat, p, 0.0), 0);
  EXPECT_EQ(sampler.pick(flat, p, 0.2499), 0);
  EXPECT_EQ(sampler.pick(flat, p, 0.2501), 1);
  EXPECT_EQ(sampler.pick(flat, p, 0.74), 2);
  EXPECT_EQ(sampler.pick(flat, p, 0.9999999), 3);
  // Masked and cut tokens take no share of u: ids 1 and 3 are out, 0 and 2 split it evenly.
  const std::vector<float> masked{0, kNegInf, 0, -30};
  EXPECT_EQ(sampler.pick(masked, {.temperature = 1, .top_p = 1, .min_p = 0.01f}, 0.49), 0);
  EXPECT_EQ(sampler.pick(masked, {.temperature = 1, .top_p = 1, .min_p = 0.01f}, 0.51), 2);
}

TEST(Sampler, SameSeedAndPositionGiveTheSameToken) {
  Sampler a, b;
  const std::vector<float> logits = log_probs({0.2, 0.2, 0.2, 0.2, 0.2});
  const SamplingParams p{.temperature = 1, .top_p = 1};
  int differs_by_seed = 0, differs_by_position = 0;
  for (int64_t pos = 0; pos < 200; ++pos) {
    const int32_t t = a.sample(logits, p, 99, pos);
    EXPECT_EQ(t, b.sample(logits, p, 99, pos));
    differs_by_seed += t != a.sample(logits, p, 100, pos);
    differs_by_position += t != a.sample(logits, p, 99, pos + 1);
  }
  EXPECT_GT(differs_by_seed, 100);  // 160 expected for 5 equally likely tokens
  EXPECT_GT(differs_by_position, 100);
}

TEST(Sampler, ValidateNamesTheFieldAndTheValue) {
  EXPECT_EQ(validate(SamplingParams{}), "");
  EXPECT_EQ(validate({.temperature = -1}),
            "sampling.temperature: expected a finite number >= 0, found -1");
  EXPECT_EQ(validate({.top_p = 0}), "sampling.top_p: expected 0 < top_p <= 1, found 0");
  EXPECT_EQ(validate({.top_k = -2}), "sampling.top_k: expected >= 0, found -2");
  EXPECT_EQ(validate({.min_p = 1.5f}), "sampling.min_p: expected 0 <= min_p <= 1, found 1.5");
  EXPECT_EQ(validate({.max_tokens = 0}), "sampling.max_tokens: expected >= 1, found 0");
  EXPECT_EQ(validate({.stop = {"ok", ""}}),
            "sampling.stop: expected non-empty stop strings, found \"\"");
}

}  // namespace
}  // namespace boxed::inference::sampler
