#include "metrics/majority_vote.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace boxed::metrics {

std::string_view to_string(TiePolicy policy) {
  return policy == TiePolicy::kExpected ? "expected" : "first_seen";
}

std::optional<TiePolicy> parse_tie_policy(std::string_view text) {
  if (text == "expected") return TiePolicy::kExpected;
  if (text == "first_seen") return TiePolicy::kFirstSeen;
  return std::nullopt;
}

std::vector<int> group_answers(std::span<const std::optional<std::string>> answers,
                               const Equivalence& same) {
  std::vector<int> groups(answers.size(), -1);
  std::vector<size_t> representative;  // sample index of each group's first member
  for (size_t i = 0; i < answers.size(); ++i) {
    if (!answers[i]) continue;
    int found = -1;
    for (size_t g = 0; g < representative.size() && found < 0; ++g) {
      if (*answers[representative[g]] == *answers[i]) found = static_cast<int>(g);
    }
    for (size_t g = 0; g < representative.size() && found < 0; ++g) {
      if (same(*answers[representative[g]], *answers[i])) found = static_cast<int>(g);
    }
    if (found < 0) {
      found = static_cast<int>(representative.size());
      representative.push_back(i);
    }
    groups[i] = found;
  }
  return groups;
}

Vote vote(std::span<const int> groups, std::span<const uint8_t> correct, int k, TiePolicy policy) {
  if (groups.size() != correct.size()) {
    throw std::invalid_argument(fmt::format("vote: {} group indices but {} verdicts", groups.size(),
                                            correct.size()));
  }
  if (k < 1 || static_cast<size_t>(k) > groups.size()) {
    throw std::invalid_argument(fmt::format("vote: k must be in 1..{}, got {}", groups.size(), k));
  }
  Vote v;
  for (int i = 0; i < k; ++i) {
    const int g = groups[static_cast<size_t>(i)];
    if (g < 0) continue;
    auto it = std::find_if(v.groups.begin(), v.groups.end(),
                           [g](const AnswerGroup& a) { return a.group == g; });
    if (it == v.groups.end()) {
      v.groups.push_back({.group = g, .count = 0, .first_sample = i,
                          .correct = correct[static_cast<size_t>(i)] != 0});
      it = v.groups.end() - 1;
    }
    ++it->count;
  }
  std::stable_sort(v.groups.begin(), v.groups.end(), [](const AnswerGroup& a, const AnswerGroup& b) {
    return a.count != b.count ? a.count > b.count : a.first_sample < b.first_sample;
  });
  if (v.groups.empty()) return v;
  const int top = v.groups.front().count;
  int n_correct_tied = 0;
  for (const AnswerGroup& a : v.groups) {
    if (a.count != top) break;
    ++v.n_tied;
    n_correct_tied += a.correct ? 1 : 0;
  }
  v.winner = v.groups.front().group;  // the earliest-seen of the tied groups
  v.winner_correct = v.groups.front().correct;
  v.credit = policy == TiePolicy::kExpected
                 ? static_cast<double>(n_correct_tied) / static_cast<double>(v.n_tied)
                 : (v.winner_correct ? 1.0 : 0.0);
  return v;
}

}  // namespace boxed::metrics
