// score_task: per-sample extraction and grading in both modes (oneTBB, results by index so the
// report is the same whatever the thread count), then per-problem pass@k / majority vote, then
// the task aggregates with their uncertainty, the accounting and the breakdowns.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <stdexcept>

#include "datasets/prompt.h"
#include "harness/scoring.h"
#include "harness/suggest.h"
#include "metrics/accounting.h"
#include "metrics/bootstrap.h"
#include "metrics/majority_vote.h"
#include "metrics/pass_at_k.h"
#include "metrics/registry.h"
#include "metrics/standard_error.h"

namespace boxed::harness {
namespace {

constexpr metrics::ExtractMode kModes[] = {metrics::ExtractMode::kStrict, metrics::ExtractMode::kFlexible};
constexpr size_t kTopAnswers = 5;

struct GradedSample {
  metrics::Extraction extraction[2];  // strict, flexible
  uint8_t correct[2] = {0, 0};
  std::string rule[2];  // the grading rule that decided (metrics/grade.h explain_equal)
};

// One problem under one extraction mode.
struct ModeScore {
  int m = 0;        // responses present
  int correct = 0;
  std::vector<double> pass_at_k;  // per report k; NaN when k > m
  std::vector<double> maj_at_k;   // per report k; NaN when k > m
  metrics::Vote cons;             // over all m responses
  std::vector<int> groups;
  int no_answer = 0;
};

ModeScore score_mode(const std::vector<const GradedSample*>& samples, int mode, const std::vector<int64_t>& ks,
                     const metrics::Grader& grader, metrics::TiePolicy policy) {
  ModeScore s;
  s.m = static_cast<int>(samples.size());
  std::vector<std::optional<std::string>> answers;
  std::vector<uint8_t> correct;
  for (const GradedSample* g : samples) {
    answers.push_back(g->extraction[mode].answer);
    correct.push_back(g->correct[mode]);
    s.correct += g->correct[mode];
    s.no_answer += g->extraction[mode].answer ? 0 : 1;
  }
  // The grader is the equivalence: the group's first answer plays the (trusted) gold.
  s.groups = metrics::group_answers(answers, [&](std::string_view rep, std::string_view a) { return grader(rep, a); });
  for (int64_t k : ks) {
    if (k > s.m) {
      s.pass_at_k.push_back(std::nan(""));
      s.maj_at_k.push_back(std::nan(""));
      continue;
    }
    s.pass_at_k.push_back(metrics::pass_at_k(s.m, s.correct, k));
    s.maj_at_k.push_back(metrics::vote(s.groups, correct, static_cast<int>(k), policy).credit);
  }
  if (s.m > 0) s.cons = metrics::vote(s.groups, correct, s.m, policy);
  return s;
}

double mean_defined(const std::vector<double>& v) {
  double sum = 0;
  int n = 0;
  for (double x : v) {
    if (!std::isnan(x)) {
      sum += x;
      ++n;
    }
  }
  return n > 0 ? sum / n : 0.0;
}

// Breakdown values sort numerically when they all are integers (MATH-500 levels), else as text.
bool all_integers(const std::vector<std::string>& values) {
  for (const std::string& v : values) {
    int x = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc() || ptr != v.data() + v.size()) return false;
  }
  return true;
}

}  // namespace

reports::TaskReport score_task(const datasets::TaskSpec& spec, const datasets::LoadedDataset& dataset,
                               std::span<const CompletionRecord> completions, const RunIdentity& identity,
                               const ScoreOptions& options, std::vector<reports::SampleRow>* samples_out) {
  const std::optional<metrics::Extractor> extractor = metrics::find_extractor(spec.extractor);
  if (!extractor) {
    throw std::invalid_argument(fmt::format("task spec {}: {}", datasets::spec_version(spec),
                                            unknown_name_message("extractor", spec.extractor, metrics::extractor_names())));
  }
  const std::optional<metrics::Grader> grader = metrics::find_grader(spec.grader);
  const std::optional<metrics::Explainer> explainer = metrics::find_explainer(spec.grader);
  if (!grader) {
    throw std::invalid_argument(fmt::format("task spec {}: {}", datasets::spec_version(spec),
                                            unknown_name_message("grader", spec.grader, metrics::grader_names())));
  }
  const std::optional<metrics::TiePolicy> policy = metrics::parse_tie_policy(options.tie_policy);
  if (!policy) {
    const std::vector<std::string> names = {"expected", "first_seen"};
    throw std::invalid_argument(unknown_name_message("tie policy", options.tie_policy, names));
  }
  const int primary = spec.primary_mode == "strict" ? 0 : 1;
  const std::vector<datasets::Problem>& problems = dataset.problems;
  const size_t n_problems = problems.size();

  // Responses by problem, in sample order; every id must be the dataset's.
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < n_problems; ++i) position.emplace(problems[i].id, i);
  std::vector<std::vector<const CompletionRecord*>> by_problem(n_problems);
  for (const CompletionRecord& c : completions) {
    const auto it = position.find(c.problem_id);
    if (it == position.end()) {
      throw std::runtime_error(fmt::format("responses: problem_id '{}' (sample {}) is not in the dataset {} "
                                           "({} problems; first id '{}')", c.problem_id, c.sample,
                                           dataset.path, n_problems, problems.front().id));
    }
    by_problem[it->second].push_back(&c);
  }
  int n = options.n_samples;
  if (n < 0) throw std::invalid_argument(fmt::format("samples per problem must be >= 0, got {}", n));
  if (n == 0) {
    for (const auto& v : by_problem) n = std::max(n, static_cast<int>(v.size()));
  }
  if (n == 0) throw std::runtime_error(fmt::format("no responses for task {}", spec.name));
  int n_partial = 0;
  for (size_t i = 0; i < n_problems; ++i) {
    auto& v = by_problem[i];
    std::sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->sample < b->sample; });
    for (size_t k = 0; k < v.size(); ++k) {
      if (v[k]->sample >= n) {
        throw std::runtime_error(fmt::format("problem '{}': response with sample index {}, but n = {} samples "
                                             "per problem", problems[i].id, v[k]->sample, n));
      }
      if (k > 0 && v[k]->sample == v[k - 1]->sample) {
        throw std::runtime_error(fmt::format("problem '{}': two responses for sample {}", problems[i].id, v[k]->sample));
      }
    }
    if (static_cast<int>(v.size()) < n) {
      if (!options.allow_partial) {
        throw std::runtime_error(fmt::format(
            "problem '{}' has {} of {} responses; score it with all of them, pass a smaller --samples, "
            "or --allow-partial to score it as partial", problems[i].id, v.size(), n));
      }
      ++n_partial;
    }
  }

  // Extraction and grading, one task per response, in parallel.
  std::vector<datasets::Prompt> prompts(n_problems);
  for (size_t i = 0; i < n_problems; ++i) prompts[i] = datasets::build_prompt(spec, problems[i], identity.seed);
  std::vector<std::pair<size_t, const CompletionRecord*>> flat;
  for (size_t i = 0; i < n_problems; ++i) {
    for (const CompletionRecord* c : by_problem[i]) flat.emplace_back(i, c);
  }
  std::vector<GradedSample> graded(flat.size());
  tbb::parallel_for(tbb::blocked_range<size_t>(0, flat.size()), [&](const tbb::blocked_range<size_t>& r) {
    for (size_t s = r.begin(); s != r.end(); ++s) {
      const auto& [pi, c] = flat[s];
      for (int mode = 0; mode < 2; ++mode) {
        graded[s].extraction[mode] = (*extractor)(c->text, kModes[mode]);
        const auto& answer = graded[s].extraction[mode].answer;
        if (!answer) {
          graded[s].rule[mode] = "no_answer";
          continue;
        }
        metrics::Verdict v = (*explainer)(prompts[pi].gold, *answer);
        graded[s].correct[mode] = v.equal ? 1 : 0;
        graded[s].rule[mode] = std::move(v.rule);
      }
    }
  });
  std::vector<std::vector<const GradedSample*>> graded_by_problem(n_problems);
  for (size_t s = 0; s < flat.size(); ++s) graded_by_problem[flat[s].first].push_back(&graded[s]);

  // Per problem and mode: pass@k, majority vote.
  const std::vector<int64_t> ks = metrics::report_ks(n);
  std::vector<std::array<ModeScore, 2>> scores(n_problems);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, n_problems), [&](const tbb::blocked_range<size_t>& r) {
    for (size_t i = r.begin(); i != r.end(); ++i) {
      for (int mode = 0; mode < 2; ++mode) scores[i][mode] = score_mode(graded_by_problem[i], mode, ks, *grader, *policy);
    }
  });

  reports::TaskReport t;
  t.task = spec.name;
  t.display_name = spec.display_name;
  t.spec_version = datasets::spec_version(spec);
  t.dataset_path = dataset.path;
  t.dataset_sha256 = dataset.sha256;
  t.prompt_template = spec.prompt_template;
  t.extractor = spec.extractor;
  t.grader = spec.grader;
  t.primary_mode = spec.primary_mode;
  t.tie_policy = std::string(metrics::to_string(*policy));
  t.bootstrap_seed = options.bootstrap_seed;
  t.bootstrap_resamples = options.bootstrap_resamples;
  t.n_samples = n;
  t.n_problems = static_cast<int>(n_problems);
  t.n_partial_problems = n_partial;

  for (int mode = 0; mode < 2; ++mode) {
    reports::ModeMetrics mm;
    mm.mode = std::string(metrics::to_string(kModes[mode]));
    std::vector<double> per_problem, cons;
    std::vector<metrics::ProblemCounts> counts;
    int64_t no_answer = 0, total = 0;
    std::vector<std::vector<double>> pass_k(ks.size()), maj_k(ks.size());
    for (size_t i = 0; i < n_problems; ++i) {
      const ModeScore& s = scores[i][mode];
      no_answer += s.no_answer;
      total += s.m;
      if (s.m == 0) continue;  // a partial problem without responses: listed, not averaged
      per_problem.push_back(static_cast<double>(s.correct) / s.m);
      counts.push_back({.n = s.m, .correct = s.correct});
      cons.push_back(s.cons.credit);
      for (size_t k = 0; k < ks.size(); ++k) {
        pass_k[k].push_back(s.pass_at_k[k]);
        maj_k[k].push_back(s.maj_at_k[k]);
      }
    }
    if (counts.empty()) throw std::runtime_error(fmt::format("task {}: no problem has a response", spec.name));
    mm.pass_at_1.value = metrics::mean(per_problem);
    mm.pass_at_1.standard_error = metrics::standard_error_of_mean(per_problem);
    const metrics::Interval ci = metrics::bootstrap_interval(
        counts, {.resamples = options.bootstrap_resamples, .seed = options.bootstrap_seed, .level = 0.95});
    mm.pass_at_1.ci_lower = ci.lower;
    mm.pass_at_1.ci_upper = ci.upper;
    mm.pass_at_1.ci_level = 0.95;
    for (size_t k = 0; k < ks.size(); ++k) {
      mm.pass_at_k.push_back({static_cast<int>(ks[k]), mean_defined(pass_k[k])});
      mm.maj_at_k.push_back({static_cast<int>(ks[k]), mean_defined(maj_k[k])});
    }
    mm.cons_at_n = metrics::mean(cons);
    mm.no_answer_rate = total > 0 ? static_cast<double>(no_answer) / static_cast<double>(total) : 0.0;
    t.modes.push_back(std::move(mm));
  }

  // Accounting, on the primary mode's extraction.
  std::vector<metrics::SampleFlags> flags;
  std::vector<int64_t> tokens;
  for (size_t s = 0; s < flat.size(); ++s) {
    const CompletionRecord& c = *flat[s].second;
    const metrics::Extraction& e = graded[s].extraction[primary];
    flags.push_back({.truncated = c.finish_reason == "length", .error = c.finish_reason == "error",
                     .answered = e.answer.has_value(), .from_thinking = e.from_thinking});
    tokens.push_back(c.completion_tokens);
  }
  const metrics::Tally tally = metrics::tally(flags);
  const metrics::LengthSummary lengths = metrics::summarize_lengths(tokens);
  t.accounting = {.n_samples = tally.n, .n_truncated = tally.truncated, .n_errors = tally.errors,
                  .n_no_answer = tally.no_answer, .n_from_thinking = tally.from_thinking,
                  .truncation_rate = tally.truncation_rate, .error_rate = tally.error_rate,
                  .no_answer_rate = tally.no_answer_rate, .from_thinking_rate = tally.from_thinking_rate,
                  .completion_tokens = {lengths.mean, lengths.median, lengths.p95, lengths.max}};

  // Per-problem rows (primary mode) and the samples.
  for (size_t i = 0; i < n_problems; ++i) {
    const ModeScore& s = scores[i][primary];
    reports::ProblemRow row;
    row.id = problems[i].id;
    row.gold = prompts[i].gold;
    row.choice_order = prompts[i].choice_order;
    row.attributes = problems[i].attributes;
    row.n = s.m;
    row.correct = s.correct;
    row.pass_at_1 = s.m > 0 ? static_cast<double>(s.correct) / s.m : 0.0;
    row.correct_mask.assign(static_cast<size_t>(n), '-');
    for (size_t k = 0; k < by_problem[i].size(); ++k) {
      row.correct_mask[static_cast<size_t>(by_problem[i][k]->sample)] = graded_by_problem[i][k]->correct[primary] ? '1' : '0';
    }
    row.correct_strict = scores[i][0].correct;
    row.correct_flexible = scores[i][1].correct;
    if (s.cons.winner) {
      const metrics::AnswerGroup& top = s.cons.groups.front();
      row.majority_answer = graded_by_problem[i][static_cast<size_t>(top.first_sample)]->extraction[primary].answer;
      row.majority_count = top.count;
      row.majority_correct = top.correct;
    }
    row.majority_credit = s.cons.credit;
    row.tie = s.cons.n_tied > 1;
    for (size_t g = 0; g < s.cons.groups.size() && g < kTopAnswers; ++g) {
      const metrics::AnswerGroup& a = s.cons.groups[g];
      row.top_answers.push_back({*graded_by_problem[i][static_cast<size_t>(a.first_sample)]->extraction[primary].answer,
                                 a.count, a.correct});
    }
    row.partial = s.m < n;
    t.problems.push_back(std::move(row));
  }
  if (samples_out) {
    for (size_t s = 0; s < flat.size(); ++s) {
      const CompletionRecord& c = *flat[s].second;
      const GradedSample& g = graded[s];
      samples_out->push_back({.task = spec.name, .problem_id = c.problem_id, .sample = c.sample,
                              .answer_strict = g.extraction[0].answer, .answer_flexible = g.extraction[1].answer,
                              .source = std::string(metrics::to_string(g.extraction[primary].source)),
                              .rule = g.rule[primary],
                              .correct_strict = g.correct[0] != 0, .correct_flexible = g.correct[1] != 0,
                              .correct = g.correct[primary] != 0,
                              .from_thinking = g.extraction[primary].from_thinking,
                              .finish_reason = c.finish_reason, .completion_tokens = c.completion_tokens,
                              .text = options.include_text ? std::optional<std::string>(c.text) : std::nullopt});
    }
  }

  // Breakdowns (primary mode), problems without responses left out.
  for (const std::string& field : spec.breakdowns) {
    std::map<std::string, std::vector<size_t>> groups;
    for (size_t i = 0; i < n_problems; ++i) {
      const auto it = problems[i].attributes.find(field);
      if (it != problems[i].attributes.end() && scores[i][primary].m > 0) groups[it->second].push_back(i);
    }
    std::vector<std::string> values;
    for (const auto& [v, idx] : groups) values.push_back(v);
    if (all_integers(values)) {
      std::sort(values.begin(), values.end(), [](const std::string& a, const std::string& b) {
        return std::stoi(a) < std::stoi(b);
      });
    }
    for (const std::string& v : values) {
      double p1 = 0, cn = 0;
      for (size_t i : groups[v]) {
        p1 += static_cast<double>(scores[i][primary].correct) / scores[i][primary].m;
        cn += scores[i][primary].cons.credit;
      }
      const auto count = static_cast<double>(groups[v].size());
      t.breakdowns.push_back({field, v, static_cast<int>(groups[v].size()), p1 / count, cn / count});
    }
  }
  return t;
}

}  // namespace boxed::harness
