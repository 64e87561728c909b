// Majority voting over a problem's sampled answers: cons@n (all n samples) and maj@k (the first k).
// Answers are grouped by an equivalence predicate — the task's grader, passed in by the caller so
// that this file hard-wires none — not by string equality: "0.5" and "\frac12" are one vote.
//
//   std::vector<int> g = group_answers(answers, [&](auto rep, auto a) { return grade(rep, a); });
//   Vote v = vote(g, answers, correct, /*k=*/64, TiePolicy::kExpected);
//   // v.credit: 1 when the largest group is correct, 0 when not, a fraction on a tie
//
// Grouping is greedy in sample order: a sample joins the first group whose representative (its
// first-seen member) is equivalent to it, else opens a new group. Because groups only ever depend
// on earlier samples, the grouping of the first k samples is the first-k prefix of the grouping
// of all n, so one grouping serves every maj@k. A group is correct when its representative is.
// Samples without an answer do not vote; a problem where none answered scores 0.
//
// Ties (several groups share the top count), DeepSeek-R1 does not say how it breaks them:
//   kExpected  — the expected credit under a uniformly random choice among the tied groups:
//                (#correct tied groups) / (#tied groups). Deterministic, order-free. Default.
//   kFirstSeen — the tied group whose first member came first (what a stable sort of vote
//                counts gives, e.g. Python's Counter.most_common).
// kExpected equals kFirstSeen averaged over all orderings of the samples (tested by enumeration).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace boxed::metrics {

// same(representative, answer): is `answer` the same answer as the group's first-seen member?
using Equivalence = std::function<bool(std::string_view representative, std::string_view answer)>;

enum class TiePolicy { kExpected, kFirstSeen };
std::string_view to_string(TiePolicy policy);               // "expected", "first_seen"
std::optional<TiePolicy> parse_tie_policy(std::string_view text);

// Group index per sample (0, 1, ... in first-seen order), -1 for a sample without an answer.
// Identical strings are grouped without calling `same`.
std::vector<int> group_answers(std::span<const std::optional<std::string>> answers,
                               const Equivalence& same);

struct AnswerGroup {
  int group = 0;          // index from group_answers
  int count = 0;          // votes among the samples considered
  int first_sample = 0;   // sample index of the representative
  bool correct = false;   // the representative's verdict
};

struct Vote {
  std::vector<AnswerGroup> groups;  // by count (largest first), then first_sample
  int n_tied = 0;                   // groups sharing the top count (0 when nobody answered)
  double credit = 0;                // in [0, 1]
  std::optional<int> winner;        // group chosen for display (first-seen among the tied)
  bool winner_correct = false;
};

// Votes over samples 0..k-1. `groups` from group_answers; `correct[i]` is sample i's verdict.
// Throws std::invalid_argument when k is outside 1..groups.size() or the spans differ in size.
Vote vote(std::span<const int> groups, std::span<const uint8_t> correct, int k, TiePolicy policy);

}  // namespace boxed::metrics
