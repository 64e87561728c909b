#include "metrics/majority_vote.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include <fstream>
#include <nlohmann/json.hpp>

namespace boxed::metrics {
namespace {

std::string source_dir() {
  const char* dir = std::getenv("BOXED_SOURCE_DIR");
  return dir ? dir : ".";
}

// The test's equivalence: string equality plus the pairs a case declares equal (the grader's
// role), closed under transitivity by a union-find.
struct PairEquivalence {
  std::map<std::string, std::string> parent;
  void join(const std::string& a, const std::string& b) {
    const std::string ra = root(a), rb = root(b);
    if (ra != rb) parent[ra] = rb;
  }
  std::string root(std::string s) const {
    for (auto it = parent.find(s); it != parent.end(); it = parent.find(s)) s = it->second;
    return s;
  }
  bool operator()(std::string_view a, std::string_view b) const {
    return root(std::string(a)) == root(std::string(b));
  }
};

TEST(MajorityVote, TableOfHandComputedCases) {
  std::ifstream in(source_dir() + "/tests/data/metrics/majority_vote.jsonl");
  ASSERT_TRUE(in) << "run with BOXED_SOURCE_DIR set (ctest does)";
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const nlohmann::json c = nlohmann::json::parse(line);
    SCOPED_TRACE("line " + std::to_string(line_no) + ": " + c.at("note").get<std::string>());
    std::vector<std::optional<std::string>> answers;
    for (const auto& a : c.at("answers")) {
      answers.push_back(a.is_null() ? std::nullopt : std::optional<std::string>(a.get<std::string>()));
    }
    PairEquivalence eq;
    for (const auto& p : c.at("equivalent")) eq.join(p.at(0), p.at(1));
    const std::string gold = c.at("gold");
    std::vector<uint8_t> correct;
    for (const auto& a : answers) correct.push_back(a && eq(gold, *a) ? 1 : 0);
    const std::vector<int> groups = group_answers(answers, eq);
    const int k = c.at("k");
    const Vote expected = vote(groups, correct, k, TiePolicy::kExpected);
    const Vote first = vote(groups, correct, k, TiePolicy::kFirstSeen);
    EXPECT_NEAR(expected.credit, c.at("expected").get<double>(), 1e-12);
    EXPECT_NEAR(first.credit, c.at("first_seen").get<double>(), 1e-12);
    EXPECT_EQ(expected.n_tied, c.at("n_tied").get<int>());
    if (c.at("winner").is_null()) {
      EXPECT_FALSE(expected.winner.has_value());
    } else {
      ASSERT_TRUE(expected.winner.has_value());
      const AnswerGroup& top = expected.groups.front();
      EXPECT_EQ(*answers[static_cast<size_t>(top.first_sample)], c.at("winner").get<std::string>());
      EXPECT_EQ(top.count, c.at("top_count").get<int>());
    }
  }
  EXPECT_GE(line_no, 10);
}

TEST(MajorityVote, GroupsAreNumberedInFirstSeenOrderAndNullsAreMinusOne) {
  const std::vector<std::optional<std::string>> answers = {"b", std::nullopt, "a", "b", "c", "a"};
  const std::vector<int> g = group_answers(answers, [](auto, auto) { return false; });
  EXPECT_EQ(g, (std::vector<int>{0, -1, 1, 0, 2, 1}));
}

TEST(MajorityVote, IdenticalStringsNeverCallThePredicate) {
  int calls = 0;
  const std::vector<std::optional<std::string>> answers = {"7", "7", "7"};
  group_answers(answers, [&](auto, auto) { ++calls; return false; });
  EXPECT_EQ(calls, 0);
}

TEST(MajorityVote, RejectsBadK) {
  const std::vector<int> g = {0, 0};
  const std::vector<uint8_t> c = {1, 1};
  EXPECT_THROW(vote(g, c, 0, TiePolicy::kExpected), std::invalid_argument);
  EXPECT_THROW(vote(g, c, 3, TiePolicy::kExpected), std::invalid_argument);
  const std::vector<uint8_t> short_c = {1};
  EXPECT_THROW(vote(g, short_c, 1, TiePolicy::kExpected), std::invalid_argument);
}

// Brute force: the expected-credit policy must equal the first-seen policy averaged over every
// ordering of the samples (a uniformly random tie-break), and the grouping of a prefix must be the
// prefix of the grouping. Every answer multiset over {a, b, c, none} for n <= 6, "a" correct.
TEST(MajorityVote, ExpectedPolicyEqualsFirstSeenAveragedOverAllOrders) {
  const auto same = [](std::string_view a, std::string_view b) { return a == b; };
  int checked = 0;
  for (int n = 1; n <= 6; ++n) {
    int combos = 1;
    for (int i = 0; i < n; ++i) combos *= 4;
    for (int code = 0; code < combos; ++code) {
      std::vector<std::optional<std::string>> answers;
      for (int i = 0, x = code; i < n; ++i, x /= 4) {
        answers.push_back(x % 4 == 3 ? std::nullopt : std::optional<std::string>(std::string(1, 'a' + x % 4)));
      }
      std::vector<uint8_t> correct;
      for (const auto& a : answers) correct.push_back(a && *a == "a" ? 1 : 0);
      const double expected =
          vote(group_answers(answers, same), correct, n, TiePolicy::kExpected).credit;
      std::vector<int> order(static_cast<size_t>(n));
      std::iota(order.begin(), order.end(), 0);
      double sum = 0;
      int perms = 0;
      do {
        std::vector<std::optional<std::string>> a2;
        std::vector<uint8_t> c2;
        for (int i : order) {
          a2.push_back(answers[static_cast<size_t>(i)]);
          c2.push_back(correct[static_cast<size_t>(i)]);
        }
        sum += vote(group_answers(a2, same), c2, n, TiePolicy::kFirstSeen).credit;
        ++perms;
      } while (std::next_permutation(order.begin(), order.end()));
      ASSERT_NEAR(expected, sum / perms, 1e-12) << "n=" << n << " code=" << code;
      // Prefix property behind maj@k.
      const std::vector<int> all = group_answers(answers, same);
      for (int k = 1; k <= n; ++k) {
        const std::vector<std::optional<std::string>> prefix(answers.begin(), answers.begin() + k);
        ASSERT_EQ(group_answers(prefix, same), std::vector<int>(all.begin(), all.begin() + k));
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 4 + 16 + 64 + 256 + 1024 + 4096);
}

TEST(MajorityVote, TiePolicyNames) {
  EXPECT_EQ(to_string(TiePolicy::kExpected), "expected");
  EXPECT_EQ(parse_tie_policy("first_seen"), TiePolicy::kFirstSeen);
  EXPECT_FALSE(parse_tie_policy("random").has_value());
}

}  // namespace
}  // namespace boxed::metrics
