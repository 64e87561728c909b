#include "reports/report_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <stdexcept>

#include "reports/html_parts.h"

namespace boxed::reports {
namespace {

using nlohmann::json;

std::string clip_text(const std::string& text) {
  constexpr size_t kKeep = 2000;
  if (text.size() <= 2 * kKeep + 64) return text;
  return fmt::format("{}\n\n[… {} bytes left out here; samples.jsonl has the whole text …]\n\n{}",
                     text.substr(0, kKeep), text.size() - 2 * kKeep, text.substr(text.size() - kKeep));
}

struct Outcome {
  const char* name;
  const char* color;
};

Outcome outcome_of(const SampleRow* s, const TaskReport& task, char mask) {
  if (!s) {
    if (mask == '1') return {"correct", html::kCorrect};
    if (mask == '0') return {"wrong", html::kWrong};
    return {"missing", "#ffffff"};
  }
  if (s->finish_reason == "error") return {"error", html::kError};
  if (s->correct) return {"correct", html::kCorrect};
  if (s->finish_reason == "length") return {"truncated", html::kTruncated};
  const auto& answer = task.primary_mode == "flexible" ? s->answer_flexible : s->answer_strict;
  if (!answer) return {"no answer", html::kNoAnswer};
  return {"wrong", html::kWrong};
}

std::string card(const std::string& label, const std::string& value, const std::string& ci) {
  return fmt::format("<div class=\"card\"><div class=\"l\">{}</div><div class=\"v\">{}</div>"
                     "<div class=\"ci\">{}</div></div>",
                     html::escape(label), html::escape(value), html::escape(ci));
}

std::string headline(const TaskReport& t) {
  const ModeMetrics& p = t.primary();
  std::string s = "<div class=\"cards\">";
  s += card(fmt::format("pass@1 ({})", p.mode), html::pct(p.pass_at_1.value) + "%",
            fmt::format("95% CI [{}, {}] · SE {}", html::pct(p.pass_at_1.ci_lower),
                        html::pct(p.pass_at_1.ci_upper), html::pct(p.pass_at_1.standard_error)));
  s += card(fmt::format("cons@{}", t.n_samples), html::pct(p.cons_at_n) + "%",
            fmt::format("majority vote of {} samples", t.n_samples));
  if (!p.pass_at_k.empty()) {
    s += card(fmt::format("pass@{}", p.pass_at_k.back().k), html::pct(p.pass_at_k.back().value) + "%",
              "unbiased estimator");
  }
  const Accounting& a = t.accounting;
  s += card("no answer", html::pct(a.no_answer_rate) + "%", fmt::format("{} samples", a.n_no_answer));
  s += card("truncated", html::pct(a.truncation_rate) + "%", fmt::format("{} samples", a.n_truncated));
  s += card("tokens / response", fmt::format("{:.0f}", a.completion_tokens.mean),
            fmt::format("median {:.0f} · p95 {:.0f}", a.completion_tokens.median,
                        a.completion_tokens.p95));
  s += card("problems × samples", fmt::format("{} × {}", t.n_problems, t.n_samples),
            t.n_partial_problems ? fmt::format("{} partial", t.n_partial_problems) : "");
  s += "</div><table><tr><th>mode</th><th>pass@1</th><th>95% CI</th><th>cons@n</th>"
       "<th>no answer</th></tr>";
  for (const ModeMetrics& m : t.modes) {
    s += fmt::format("<tr><td>{}{}</td><td>{}%</td><td>[{}, {}]</td><td>{}%</td><td>{}%</td></tr>",
                     html::escape(m.mode), m.mode == t.primary_mode ? " (headline)" : "",
                     html::pct(m.pass_at_1.value), html::pct(m.pass_at_1.ci_lower),
                     html::pct(m.pass_at_1.ci_upper), html::pct(m.cons_at_n),
                     html::pct(m.no_answer_rate));
  }
  return s + "</table>";
}

std::string at_k_chart(const TaskReport& t) {
  std::vector<html::Series> series;
  for (const ModeMetrics& m : t.modes) {
    const bool primary = m.mode == t.primary_mode;
    html::Series pass{.name = "pass@k " + m.mode, .color = primary ? "#2b6cb0" : "#90b4dc"};
    html::Series maj{.name = "maj@k " + m.mode, .color = primary ? "#c05621" : "#e8b48f"};
    for (const AtK& a : m.pass_at_k) pass.points.emplace_back(a.k, a.value);
    for (const AtK& a : m.maj_at_k) maj.points.emplace_back(a.k, a.value);
    series.push_back(std::move(pass));
    series.push_back(std::move(maj));
  }
  return html::svg_line_chart("atk-" + t.task, "pass@k and maj@k over k", series, "k (samples)",
                              true);
}

// The answer groups behind each problem's vote: one row per problem, a segment per group (width
// = its share of the n samples), green when the group's answer is correct; the rest is grey.
std::string clusters_chart(const TaskReport& t) {
  constexpr double kWidth = 560, kLabel = 150, kRow = 16, kTop = 34;
  const double height = kTop + kRow * static_cast<double>(t.problems.size()) + 10;
  const double bar_w = kWidth - kLabel - 60;
  std::string s = fmt::format(
      "<svg class=\"chart\" id=\"clusters-{}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" "
      "height=\"{}\" viewBox=\"0 0 {} {}\"><text x=\"52\" y=\"18\" class=\"title\">Answer groups "
      "behind each cons@{} vote</text>",
      html::escape(t.task), kWidth, height, kWidth, height, t.n_samples);
  for (size_t i = 0; i < t.problems.size(); ++i) {
    const ProblemRow& p = t.problems[i];
    const double y = kTop + kRow * static_cast<double>(i);
    s += fmt::format("<text x=\"{}\" y=\"{:.0f}\" class=\"tick\" text-anchor=\"end\">{}</text>",
                     kLabel - 6, y + 11, html::escape(p.id.substr(0, 24)));
    double x = kLabel;
    const double n = std::max(p.n, 1);
    int shade = 0;
    for (const AnswerCount& a : p.top_answers) {
      const double w = bar_w * a.count / n;
      const char* color = a.correct ? html::kCorrect : (shade++ % 2 ? "#e07a86" : html::kWrong);
      s += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.0f}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\" "
          "stroke=\"#fff\"><title>{}: {} of {} samples{}</title></rect>",
          x, y + 2, w, kRow - 4, color, html::escape(a.answer), a.count, p.n,
          a.correct ? " (correct)" : "");
      x += w;
    }
    if (x < kLabel + bar_w) {
      s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.0f}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\">"
                       "<title>smaller groups and no answer</title></rect>",
                       x, y + 2, kLabel + bar_w - x, kRow - 4, html::kNoAnswer);
    }
    s += fmt::format("<text x=\"{}\" y=\"{:.0f}\" class=\"tick\">{}{}</text>", kLabel + bar_w + 6,
                     y + 11, p.majority_correct ? "✓" : "✗", p.tie ? " tie" : "");
  }
  return s + "</svg>";
}

std::string grid(const TaskReport& t, const std::vector<const SampleRow*>& samples) {
  std::map<std::pair<std::string, int>, const SampleRow*> by_key;
  for (const SampleRow* s : samples) by_key[{s->problem_id, s->sample}] = s;
  const int n = std::max(t.n_samples, 1);
  const double cell = std::clamp(880.0 / n, 5.0, 14.0);
  constexpr double kLabel = 130;
  const double width = kLabel + cell * n + 4;
  const double height = cell * static_cast<double>(t.problems.size()) + 4;
  std::string svg = fmt::format(
      "<svg class=\"grid\" data-task=\"{}\" data-problems=\"{}\" data-samples=\"{}\" "
      "xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\">",
      html::escape(t.task), t.problems.size(), n, width, height);
  json data = json::array();
  for (size_t i = 0; i < t.problems.size(); ++i) {
    const ProblemRow& p = t.problems[i];
    const double y = cell * static_cast<double>(i);
    if (cell >= 9) {
      svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" class=\"tick\" text-anchor=\"end\">{}</text>",
                         kLabel - 4, y + cell - 2, html::escape(p.id.substr(0, 20)));
    }
    for (int k = 0; k < n; ++k) {
      auto it = by_key.find({p.id, k});
      const SampleRow* s = it == by_key.end() ? nullptr : it->second;
      const char mask = k < static_cast<int>(p.correct_mask.size()) ? p.correct_mask[k] : '-';
      const Outcome o = outcome_of(s, t, mask);
      std::optional<std::string> answer;
      if (s) answer = t.primary_mode == "flexible" ? s->answer_flexible : s->answer_strict;
      svg += fmt::format(
          "<rect class=\"cell\" data-i=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
          "height=\"{:.1f}\" fill=\"{}\"><title>{} #{}: {} — {}</title></rect>",
          data.size(), kLabel + cell * k, y, cell - 1, cell - 1, o.color, html::escape(p.id), k,
          o.name, html::escape(answer ? answer->substr(0, 80) : "no answer"));
      data.push_back({{"p", p.id},
                      {"s", k},
                      {"g", p.gold},
                      {"o", o.name},
                      {"a", answer ? json(*answer) : json(nullptr)},
                      {"t", s ? s->completion_tokens : 0},
                      {"f", s ? s->finish_reason : "not in samples.jsonl"},
                      {"x", s && s->text ? json(clip_text(*s->text)) : json(nullptr)}});
    }
  }
  svg += "</svg>";
  const std::string key = fmt::format(
      "<div class=\"key\">Each row a problem, each column a sample; click a cell for its answer "
      "and text.<span style=\"background:{}\"></span>correct<span style=\"background:{}\"></span>"
      "wrong<span style=\"background:{}\"></span>no answer<span style=\"background:{}\"></span>"
      "truncated<span style=\"background:{}\"></span>error</div>",
      html::kCorrect, html::kWrong, html::kNoAnswer, html::kTruncated, html::kError);
  return key + "<div class=\"gridwrap\"><div class=\"scroll\">" + svg + "</div>" +
         "<div class=\"panel\" id=\"panel-" + html::escape(t.task) + "\">Click a cell.</div></div>" +
         fmt::format("<script type=\"application/json\" class=\"samples\" data-task=\"{}\">{}</script>",
                     html::escape(t.task),
                     html::script_safe(data.dump(-1, ' ', false, json::error_handler_t::replace)));
}

std::string lengths_chart(const TaskReport& t, const std::vector<const SampleRow*>& samples) {
  html::Distribution correct{.name = "correct", .color = html::kCorrect};
  html::Distribution other{.name = "wrong or no answer", .color = html::kWrong};
  for (const SampleRow* s : samples) {
    if (s->finish_reason == "error") continue;
    (s->correct ? correct : other).values.push_back(static_cast<double>(s->completion_tokens));
  }
  return html::svg_histogram("lengths-" + t.task, "Response length (tokens)", {correct, other},
                             "completion tokens");
}

std::string manifest_line(const Manifest& m) {
  return fmt::format("model {} · backend {} · seed {} · boxed {} · grader {} · {}",
                     m.model.empty() ? "?" : m.model, m.backend.empty() ? "?" : m.backend, m.seed,
                     m.boxed_version, m.grader_version, m.created_at);
}

}  // namespace

std::string render_run_html(const RunReport& report) {
  std::string body = fmt::format("<header><h1>boxed report</h1><div class=\"meta\">{}</div></header><main>",
                                 html::escape(manifest_line(report.manifest)));
  for (const TaskReport& t : report.tasks) {
    std::vector<const SampleRow*> samples;
    for (const SampleRow& s : report.samples) {
      if (s.task == t.task) samples.push_back(&s);
    }
    body += fmt::format("<section class=\"task\" id=\"task-{}\"><h2>{} <small>({}, {})</small></h2>",
                        html::escape(t.task), html::escape(t.display_name.empty() ? t.task : t.display_name),
                        html::escape(t.spec_version), html::escape(t.dataset_path));
    body += headline(t);
    body += "<h3>Curves and lengths</h3><div class=\"charts\">" + at_k_chart(t) +
            lengths_chart(t, samples) + "</div>";
    body += "<h3>Problems × samples</h3>" + grid(t, samples);
    body += "<h3>Answer clusters</h3><div class=\"key\">One row per problem: a segment per answer "
            "group, as wide as its share of the samples, largest first (hover for the answer); "
            "green when that answer is correct; ✓/✗ the cons@n verdict.</div><div class=\"scroll\">" +
            clusters_chart(t) + "</div>";
    body += "</section>";
  }
  body += "</main>";
  return html::html_page("boxed report", body);
}

std::string render_compare_html(const RunReport& base, const RunReport& cand,
                                const std::vector<TaskDiff>& diffs, const GateResult& gate,
                                const std::vector<std::string>& warnings) {
  std::string body = fmt::format(
      "<header><h1>boxed compare: {}</h1><div class=\"meta\">base: {}<br>candidate: {}</div></header><main>",
      gate.pass ? "PASS" : "REGRESSION", html::escape(manifest_line(base.manifest)),
      html::escape(manifest_line(cand.manifest)));
  if (!gate.failures.empty() || !warnings.empty()) {
    body += "<section class=\"task\"><ul>";
    for (const std::string& f : gate.failures) body += "<li class=\"bad\">" + html::escape(f) + "</li>";
    for (const std::string& w : warnings) body += "<li>" + html::escape(w) + "</li>";
    body += "</ul></section>";
  }
  auto find = [](const RunReport& r, const std::string& task) -> const TaskReport* {
    for (const TaskReport& t : r.tasks) {
      if (t.task == task) return &t;
    }
    return nullptr;
  };
  for (const TaskDiff& d : diffs) {
    const TaskReport* b = find(base, d.task);
    const TaskReport* c = find(cand, d.task);
    if (!b || !c) continue;
    body += fmt::format("<section class=\"task\" id=\"task-{}\"><h2>{}</h2><div class=\"cards\">",
                        html::escape(d.task), html::escape(d.task));
    body += card("base pass@1", html::pct(d.base) + "%", "");
    body += card("candidate pass@1", html::pct(d.cand) + "%", "");
    body += card("difference", fmt::format("{:+.1f} pts", 100 * d.diff),
                 fmt::format("paired 95% CI [{:+.1f}, {:+.1f}]", 100 * d.ci_lower, 100 * d.ci_upper));
    body += card("majority flips", fmt::format("−{} / +{}", d.lost.size(), d.gained.size()),
                 "lost / gained");
    body += "</div>";
    std::vector<html::Series> series;
    for (const auto& [r, name, pass_color, maj_color] :
         {std::tuple{b, "base", "#2b6cb0", "#90b4dc"}, std::tuple{c, "candidate", "#c05621", "#e8b48f"}}) {
      html::Series pass{.name = std::string("pass@k ") + name, .color = pass_color};
      html::Series maj{.name = std::string("maj@k ") + name, .color = maj_color};
      for (const AtK& a : r->primary().pass_at_k) pass.points.emplace_back(a.k, a.value);
      for (const AtK& a : r->primary().maj_at_k) maj.points.emplace_back(a.k, a.value);
      series.push_back(std::move(pass));
      series.push_back(std::move(maj));
    }
    std::map<std::string, const ProblemRow*> cand_rows;
    for (const ProblemRow& p : c->problems) cand_rows[p.id] = &p;
    std::vector<html::Bar> bars;
    for (const ProblemRow& p : b->problems) {
      auto it = cand_rows.find(p.id);
      if (it == cand_rows.end()) continue;
      const double diff = 100 * (it->second->pass_at_1 - p.pass_at_1);
      bars.push_back({.label = p.id,
                      .value = diff,
                      .color = diff < 0 ? html::kWrong : html::kCorrect,
                      .tooltip = fmt::format("{}: base {}% → candidate {}%", p.id, html::pct(p.pass_at_1),
                                             html::pct(it->second->pass_at_1))});
    }
    body += "<div class=\"charts\">" +
            html::svg_line_chart("atk-" + d.task, "pass@k and maj@k, both runs", series, "k", true) +
            "</div><h3>Per-problem pass@1 difference (candidate − base)</h3><div class=\"scroll\">" +
            html::svg_bars("diff-" + d.task, "pass@1 difference per problem, points", bars, 0, "") +
            "</div>";
    body += "<h3>Majority flips</h3><table><tr><th>problem</th><th>flip</th></tr>";
    for (const std::string& id : d.lost) {
      body += "<tr><td>" + html::escape(id) + "</td><td class=\"bad\">right → wrong</td></tr>";
    }
    for (const std::string& id : d.gained) {
      body += "<tr><td>" + html::escape(id) + "</td><td class=\"good\">wrong → right</td></tr>";
    }
    if (d.lost.empty() && d.gained.empty()) body += "<tr><td colspan=\"2\">none</td></tr>";
    body += "</table></section>";
  }
  body += "</main>";
  return html::html_page("boxed compare", body);
}

std::vector<SampleRow> read_samples_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open for reading", path));
  std::vector<SampleRow> out;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    try {
      const json j = json::parse(line);
      SampleRow s{.task = j.at("task"), .problem_id = j.at("problem_id"), .sample = j.at("sample")};
      auto opt = [&](const char* key) -> std::optional<std::string> {
        auto it = j.find(key);
        if (it == j.end() || it->is_null()) return std::nullopt;
        return it->get<std::string>();
      };
      s.answer_strict = opt("answer_strict");
      s.answer_flexible = opt("answer_flexible");
      s.correct_strict = j.value("correct_strict", false);
      s.correct_flexible = j.value("correct_flexible", false);
      s.correct = j.value("correct", false);
      s.source = j.value("source", "");
      s.from_thinking = j.value("from_thinking", false);
      s.finish_reason = j.value("finish_reason", "");
      s.completion_tokens = j.value("completion_tokens", int64_t{0});
      s.text = opt("text");
      out.push_back(std::move(s));
    } catch (const json::exception& e) {
      throw std::runtime_error(fmt::format("{}:{}: {}", path, number, e.what()));
    }
  }
  return out;
}

}  // namespace boxed::reports
