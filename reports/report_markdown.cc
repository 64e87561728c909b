#include "reports/report_markdown.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string_view>

namespace boxed::reports {
namespace {

// A Markdown table cell: pipes escaped, newlines folded, long text cut.
std::string cell(std::string_view text, size_t max_chars = 40) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  if (out.size() > max_chars) out = out.substr(0, max_chars) + "…";
  return out;
}

std::string at_k_list(const std::vector<AtK>& values) {
  std::vector<std::string> parts;
  for (const AtK& a : values) parts.push_back(fmt::format("@{} {}", a.k, percent(a.value)));
  return fmt::format("{}", fmt::join(parts, ", "));
}

void render_task(std::string& md, const TaskReport& t) {
  md += fmt::format("\n## {} (`{}`)\n\n", t.display_name, t.spec_version);
  md += fmt::format("- dataset: `{}` (sha256 `{}`), {} problems × {} samples{}\n", t.dataset_path,
                    t.dataset_sha256.substr(0, 16), t.n_problems, t.n_samples,
                    t.n_partial_problems > 0 ? fmt::format(", **{} partial**", t.n_partial_problems) : "");
  md += fmt::format("- extractor `{}`, grader `{}`; headline numbers use the **{}** extraction\n",
                    t.extractor, t.grader, t.primary_mode);
  md += fmt::format("- cons@n tie policy: {}; bootstrap: {} resamples, seed {}\n\n", t.tie_policy,
                    t.bootstrap_resamples, t.bootstrap_seed);
  md += "| metric |";
  for (const ModeMetrics& m : t.modes) md += fmt::format(" {}{} |", m.mode, m.mode == t.primary_mode ? " (primary)" : "");
  md += "\n|---|";
  for (size_t i = 0; i < t.modes.size(); ++i) md += "---|";
  md += "\n| pass@1 (95% CI) |";
  for (const ModeMetrics& m : t.modes) {
    md += fmt::format(" **{}** [{}, {}] ± se {} |", percent(m.pass_at_1.value), percent(m.pass_at_1.ci_lower),
                      percent(m.pass_at_1.ci_upper), percent(m.pass_at_1.standard_error));
  }
  md += fmt::format("\n| cons@{} |", t.n_samples);
  for (const ModeMetrics& m : t.modes) md += fmt::format(" {} |", percent(m.cons_at_n));
  md += "\n| pass@k |";
  for (const ModeMetrics& m : t.modes) md += fmt::format(" {} |", at_k_list(m.pass_at_k));
  md += "\n| maj@k |";
  for (const ModeMetrics& m : t.modes) md += fmt::format(" {} |", at_k_list(m.maj_at_k));
  md += "\n| no answer |";
  for (const ModeMetrics& m : t.modes) md += fmt::format(" {} |", percent(m.no_answer_rate));
  md += "\n";

  const Accounting& a = t.accounting;
  md += fmt::format(
      "\nResponses: {}; truncated (finish `length`) {} ({}%); failed {} ({}%); no answer {} ({}%); "
      "answer only in the thinking part {} ({}%). Completion tokens: mean {:.0f}, median {:.0f}, "
      "p95 {:.0f}, max {}.\n",
      a.n_samples, a.n_truncated, percent(a.truncation_rate), a.n_errors, percent(a.error_rate),
      a.n_no_answer, percent(a.no_answer_rate), a.n_from_thinking, percent(a.from_thinking_rate),
      a.completion_tokens.mean, a.completion_tokens.median, a.completion_tokens.p95,
      a.completion_tokens.max);

  if (!t.breakdowns.empty()) {
    md += "\n| breakdown | value | problems | pass@1 | cons@n |\n|---|---|---|---|---|\n";
    for (const BreakdownRow& b : t.breakdowns) {
      md += fmt::format("| {} | {} | {} | {} | {} |\n", cell(b.field), cell(b.value), b.n_problems,
                        percent(b.pass_at_1), percent(b.cons_at_n));
    }
  }
  md += "\n| problem | gold | correct | pass@1 | majority answer | votes | majority right | top answers |\n"
        "|---|---|---|---|---|---|---|---|\n";
  for (const ProblemRow& p : t.problems) {
    std::vector<std::string> top;
    for (const AnswerCount& c : p.top_answers) {
      top.push_back(fmt::format("`{}`×{}{}", cell(c.answer, 20), c.count, c.correct ? " ✓" : ""));
    }
    md += fmt::format("| {}{} | `{}` | {}/{} | {} | {} | {} | {}{} | {} |\n", cell(p.id),
                      p.partial ? " (partial)" : "", cell(p.gold, 30), p.correct, p.n,
                      percent(p.pass_at_1),
                      p.majority_answer ? fmt::format("`{}`", cell(*p.majority_answer, 30)) : "—",
                      p.majority_count, p.majority_correct ? "yes" : "no", p.tie ? " (tie)" : "",
                      fmt::join(top, ", "));
  }
}

}  // namespace

std::string percent(double fraction) { return fmt::format("{:.1f}", 100.0 * fraction); }

std::string render_markdown(const RunReport& report) {
  const Manifest& m = report.manifest;
  std::string md = "# boxed report\n\n";
  md += fmt::format("- model: `{}`; backend: `{}`; run seed: {}\n", m.model.empty() ? "(unknown)" : m.model,
                    m.backend.empty() ? "(unknown)" : m.backend, m.seed);
  md += fmt::format("- sampling: `{}`\n", m.sampling.is_null() ? "(not recorded)" : m.sampling.dump());
  for (const auto& [k, v] : m.engine_details) md += fmt::format("- engine {}: `{}`\n", k, cell(v, 80));
  md += fmt::format("- boxed {}; grader `{}`; report schema `{}`\n", m.boxed_version, m.grader_version,
                    kSchemaVersion);
  md += fmt::format("- created {} on `{}`; generation {:.1f} s, scoring {:.2f} s\n", m.created_at, m.host,
                    m.generation_seconds, m.scoring_seconds);
  if (!m.command_line.empty()) md += fmt::format("- command: `{}`\n", fmt::join(m.command_line, " "));
  md += "\nValues are percentages; intervals are seeded bootstrap 95% intervals over problems and "
        "samples (report.json holds fractions).\n";
  for (const TaskReport& t : report.tasks) render_task(md, t);
  return md;
}

}  // namespace boxed::reports
