#include "reports/compare.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <stdexcept>

#include "reports/report_markdown.h"

namespace boxed::reports {

SampleCounts counts_of_mask(std::string_view mask) {
  SampleCounts c;
  for (char ch : mask) {
    if (ch == '-') continue;
    ++c.n;
    c.correct += ch == '1' ? 1 : 0;
  }
  return c;
}

std::vector<PairedTask> pair_tasks(const RunReport& base, const RunReport& cand, std::vector<std::string>* warnings) {
  std::map<std::string, const TaskReport*> cand_tasks;
  for (const TaskReport& t : cand.tasks) cand_tasks[t.task] = &t;
  std::set<std::string> base_names;
  std::vector<PairedTask> out;
  for (const TaskReport& b : base.tasks) {
    base_names.insert(b.task);
    const auto it = cand_tasks.find(b.task);
    if (it == cand_tasks.end()) {
      if (warnings) warnings->push_back(fmt::format("task {} is only in the base report; not compared", b.task));
      continue;
    }
    const TaskReport& c = *it->second;
    if (b.primary_mode != c.primary_mode) {
      throw std::runtime_error(fmt::format("task {}: primary extraction mode differs (base {}, candidate {})",
                                           b.task, b.primary_mode, c.primary_mode));
    }
    if (b.dataset_sha256 != c.dataset_sha256 && warnings) {
      warnings->push_back(fmt::format("task {}: dataset files differ (sha256 {}… vs {}…); comparing by problem id",
                                      b.task, b.dataset_sha256.substr(0, 12), c.dataset_sha256.substr(0, 12)));
    }
    std::map<std::string, const ProblemRow*> cand_rows;
    for (const ProblemRow& p : c.problems) cand_rows[p.id] = &p;
    PairedTask pair;
    pair.task = b.task;
    for (const ProblemRow& p : b.problems) {
      const auto row = cand_rows.find(p.id);
      if (row == cand_rows.end()) {
        throw std::runtime_error(fmt::format("task {}: problem '{}' is in the base report but not in the "
                                             "candidate; a paired comparison needs the same problems", b.task, p.id));
      }
      pair.ids.push_back(p.id);
      pair.base.push_back(counts_of_mask(p.correct_mask));
      pair.cand.push_back(counts_of_mask(row->second->correct_mask));
      pair.base_majority.push_back(p.majority_correct);
      pair.cand_majority.push_back(row->second->majority_correct);
      cand_rows.erase(row);
    }
    if (!cand_rows.empty()) {
      throw std::runtime_error(fmt::format("task {}: problem '{}' is in the candidate report but not in the "
                                           "base; a paired comparison needs the same problems", b.task,
                                           cand_rows.begin()->first));
    }
    out.push_back(std::move(pair));
  }
  for (const TaskReport& c : cand.tasks) {
    if (!base_names.contains(c.task) && warnings) {
      warnings->push_back(fmt::format("task {} is only in the candidate report; not compared", c.task));
    }
  }
  if (out.empty()) throw std::runtime_error("the two reports have no task in common");
  return out;
}

void fill_flips(const PairedTask& pair, TaskDiff& diff) {
  for (size_t i = 0; i < pair.ids.size(); ++i) {
    if (pair.base_majority[i] && !pair.cand_majority[i]) diff.lost.push_back(pair.ids[i]);
    if (!pair.base_majority[i] && pair.cand_majority[i]) diff.gained.push_back(pair.ids[i]);
  }
}

MinRequirement parse_min_requirement(std::string_view text) {
  const size_t colon = text.find(':');
  const size_t eq = text.find('=');
  if (colon == std::string_view::npos || eq == std::string_view::npos || eq < colon || colon == 0 ||
      eq == colon + 1 || eq + 1 == text.size()) {
    throw std::invalid_argument(fmt::format("--min '{}': expected TASK:METRIC=POINTS, e.g. aime24:pass@1=25", text));
  }
  MinRequirement m{.task = std::string(text.substr(0, colon)),
                   .metric = std::string(text.substr(colon + 1, eq - colon - 1)), .points = 0};
  const std::string_view value = text.substr(eq + 1);
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), m.points);
  if (ec != std::errc() || ptr != value.data() + value.size() || m.points < 0 || m.points > 100) {
    throw std::invalid_argument(fmt::format("--min '{}': expected a number of percentage points in [0, 100], found '{}'",
                                            text, value));
  }
  return m;
}

namespace {

// The candidate's value of a metric name, or nullopt when the report has no such metric.
std::optional<double> metric_value(const TaskReport& t, const std::string& metric) {
  const ModeMetrics& p = t.primary();
  if (metric == "pass@1") return p.pass_at_1.value;
  if (metric == "cons@n" || metric == fmt::format("cons@{}", t.n_samples)) return p.cons_at_n;
  auto find_k = [&](const std::vector<AtK>& values, std::string_view prefix) -> std::optional<double> {
    if (!metric.starts_with(prefix)) return std::nullopt;
    int k = 0;
    const char* begin = metric.data() + prefix.size();
    const auto [ptr, ec] = std::from_chars(begin, metric.data() + metric.size(), k);
    if (ec != std::errc() || ptr != metric.data() + metric.size()) return std::nullopt;
    for (const AtK& a : values) {
      if (a.k == k) return a.value;
    }
    return std::nullopt;
  };
  if (auto v = find_k(p.pass_at_k, "pass@")) return v;
  return find_k(p.maj_at_k, "maj@");
}

// At most kMaxListed ids, then how many more.
std::string id_list(const std::vector<std::string>& ids) {
  constexpr size_t kMaxListed = 20;
  if (ids.size() <= kMaxListed) return fmt::format("{}", fmt::join(ids, ", "));
  return fmt::format("{} and {} more", fmt::join(ids.begin(), ids.begin() + kMaxListed, ", "),
                     ids.size() - kMaxListed);
}

}  // namespace

std::string_view to_string(GateTest test) {
  return test == GateTest::kSignificantDrop ? "significant-drop" : "non-inferiority";
}

double detectable_drop(GateTest test, double se, double max_drop, double z_alpha, double z_power) {
  if (test == GateTest::kNonInferiority) return (z_alpha + z_power) * se;
  return std::max(max_drop, z_alpha * se) + z_power * se;
}

GateResult evaluate_gate(const std::vector<TaskDiff>& diffs, const RunReport& cand, const GateOptions& options) {
  GateResult g;
  const double level = 100 * (1 - options.alpha);
  for (const TaskDiff& d : diffs) {
    if (options.test == GateTest::kNonInferiority) {
      if (d.lower_one_sided <= -options.max_drop_points / 100.0) {
        g.pass = false;
        g.failures.push_back(fmt::format(
            "{}: pass@1 may have dropped by more than {} points: the {:.0f}% lower bound of the change is {:+.1f}",
            d.task, options.max_drop_points, level, 100 * d.lower_one_sided));
      }
    } else if (d.diff < -options.max_drop_points / 100.0 && d.upper_one_sided < 0) {
      g.pass = false;
      g.failures.push_back(fmt::format(
          "{}: pass@1 dropped by {:.1f} points (more than {}), and the drop is significant: the {:.0f}% upper "
          "bound of the change is {:+.1f}",
          d.task, -100 * d.diff, options.max_drop_points, level, 100 * d.upper_one_sided));
    }
  }
  for (const MinRequirement& m : options.mins) {
    const TaskReport* task = nullptr;
    for (const TaskReport& t : cand.tasks) {
      if (t.task == m.task) task = &t;
    }
    if (!task) throw std::runtime_error(fmt::format("--min {}: the candidate report has no task '{}'", m.task, m.task));
    const std::optional<double> value = metric_value(*task, m.metric);
    if (!value) {
      throw std::runtime_error(fmt::format("--min {}:{}: the candidate report has no metric '{}' for {} (n = {})",
                                           m.task, m.metric, m.metric, m.task, task->n_samples));
    }
    if (100 * *value < m.points) {
      g.pass = false;
      g.failures.push_back(fmt::format("{}: {} is {} < required {}", m.task, m.metric, percent(*value), m.points));
    }
  }
  return g;
}

std::string render_comparison(const std::vector<TaskDiff>& diffs, const GateResult& gate, const GateOptions& options,
                              const std::vector<std::string>& warnings) {
  std::string out;
  for (const std::string& w : warnings) out += fmt::format("warning: {}\n", w);
  const double level = 100 * (1 - options.alpha);
  out += fmt::format("paired bootstrap over problems ({} resamples, seed {}); ", options.resamples, options.seed);
  if (options.test == GateTest::kNonInferiority) {
    out += fmt::format("gate (non-inferiority): the {:.0f}% lower bound of (candidate - base) > -{} points\n",
                       level, options.max_drop_points);
  } else {
    out += fmt::format("gate (significant drop): fail when the change is below -{} points and its {:.0f}% upper "
                       "bound is below 0\n", options.max_drop_points, level);
  }
  if (options.test == GateTest::kNonInferiority) {
    out += fmt::format("detect: the margin this run proves with {:.0f}% probability when nothing changed\n\n",
                       100 * options.power);
  } else {
    out += fmt::format("detect: the true drop at which this gate fails with {:.0f}% probability\n\n",
                       100 * options.power);
  }
  out += fmt::format("{:<14} {:>8} {:>8} {:>8} {:>8} {:>18} {:>6} {:>6} {:>6} {:>6}\n", "task", "problems", "base",
                     "cand", "diff", "95% CI", "lower", "upper", "detect", "flips");
  for (const TaskDiff& d : diffs) {
    out += fmt::format("{:<14} {:>8} {:>8} {:>8} {:>+8.1f} {:>18} {:>+6.1f} {:>+6.1f} {:>6.1f} {:>6}\n", d.task,
                       d.n_problems, percent(d.base), percent(d.cand), 100 * d.diff,
                       fmt::format("[{:+.1f}, {:+.1f}]", 100 * d.ci_lower, 100 * d.ci_upper),
                       100 * d.lower_one_sided, 100 * d.upper_one_sided, 100 * d.detectable_drop,
                       fmt::format("-{}/+{}", d.lost.size(), d.gained.size()));
  }
  for (const TaskDiff& d : diffs) {
    if (100 * d.detectable_drop <= options.max_drop_points + 0.05) continue;
    if (options.test == GateTest::kNonInferiority) {
      out += fmt::format("note: {}: {} problems cannot prove a margin of {} points; even with no change this gate "
                         "fails more often than {:.0f}% of the time\n", d.task, d.n_problems,
                         options.max_drop_points, 100 * (1 - options.power));
    } else {
      out += fmt::format("note: {}: {} problems cannot resolve a drop of {} points; this gate catches a drop of "
                         "{:.1f} points with {:.0f}% probability\n", d.task, d.n_problems, options.max_drop_points,
                         100 * d.detectable_drop, 100 * options.power);
    }
  }
  for (const TaskDiff& d : diffs) {
    if (!d.lost.empty()) out += fmt::format("{}: majority answer now wrong: {}\n", d.task, id_list(d.lost));
    if (!d.gained.empty()) out += fmt::format("{}: majority answer now right: {}\n", d.task, id_list(d.gained));
  }
  out += gate.pass ? "\nPASS\n" : "\nREGRESSION\n";
  for (const std::string& f : gate.failures) out += fmt::format("  {}\n", f);
  return out;
}

}  // namespace boxed::reports
