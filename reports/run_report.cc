#include "reports/run_report.h"

#include "reports/json_reader.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace boxed::reports {

using nlohmann::json;

const ModeMetrics& TaskReport::primary() const {
  for (const ModeMetrics& m : modes) {
    if (m.mode == primary_mode) return m;
  }
  throw std::out_of_range(fmt::format("task {}: no metrics for its primary mode '{}'", task, primary_mode));
}

namespace {

json estimate_json(const Estimate& e) {
  return {{"value", e.value}, {"standard_error", e.standard_error}, {"ci_lower", e.ci_lower},
          {"ci_upper", e.ci_upper}, {"ci_level", e.ci_level}};
}

json at_k_json(const std::vector<AtK>& v) {
  json out = json::array();
  for (const AtK& a : v) out.push_back({{"k", a.k}, {"value", a.value}});
  return out;
}

json optional_string(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json task_json(const TaskReport& t) {
  json modes = json::array();
  for (const ModeMetrics& m : t.modes) {
    modes.push_back({{"mode", m.mode}, {"pass@1", estimate_json(m.pass_at_1)},
                     {"pass@k", at_k_json(m.pass_at_k)}, {"cons@n", m.cons_at_n},
                     {"maj@k", at_k_json(m.maj_at_k)}, {"no_answer_rate", m.no_answer_rate}});
  }
  const Accounting& a = t.accounting;
  json accounting = {
      {"n_samples", a.n_samples}, {"n_truncated", a.n_truncated}, {"n_errors", a.n_errors},
      {"n_no_answer", a.n_no_answer}, {"n_from_thinking", a.n_from_thinking},
      {"truncation_rate", a.truncation_rate}, {"error_rate", a.error_rate},
      {"no_answer_rate", a.no_answer_rate}, {"from_thinking_rate", a.from_thinking_rate},
      {"completion_tokens", {{"mean", a.completion_tokens.mean}, {"median", a.completion_tokens.median},
                             {"p95", a.completion_tokens.p95}, {"max", a.completion_tokens.max}}}};
  json breakdowns = json::array();
  for (const BreakdownRow& b : t.breakdowns) {
    breakdowns.push_back({{"field", b.field}, {"value", b.value}, {"n_problems", b.n_problems},
                          {"pass@1", b.pass_at_1}, {"cons@n", b.cons_at_n}});
  }
  json problems = json::array();
  for (const ProblemRow& p : t.problems) {
    json top = json::array();
    for (const AnswerCount& c : p.top_answers) {
      top.push_back({{"answer", c.answer}, {"count", c.count}, {"correct", c.correct}});
    }
    json row = {{"id", p.id}, {"gold", p.gold}, {"n", p.n}, {"correct", p.correct},
                {"pass@1", p.pass_at_1}, {"correct_mask", p.correct_mask},
                {"correct_strict", p.correct_strict}, {"correct_flexible", p.correct_flexible},
                {"majority_answer", optional_string(p.majority_answer)},
                {"majority_count", p.majority_count}, {"majority_correct", p.majority_correct},
                {"majority_credit", p.majority_credit}, {"tie", p.tie}, {"top_answers", top},
                {"partial", p.partial}};
    if (!p.choice_order.empty()) row["choice_order"] = p.choice_order;
    if (!p.attributes.empty()) row["attributes"] = p.attributes;
    problems.push_back(std::move(row));
  }
  return {{"task", t.task}, {"display_name", t.display_name}, {"spec_version", t.spec_version},
          {"dataset", {{"path", t.dataset_path}, {"sha256", t.dataset_sha256}}},
          {"prompt_template", t.prompt_template}, {"extractor", t.extractor}, {"grader", t.grader},
          {"primary_mode", t.primary_mode}, {"tie_policy", t.tie_policy},
          {"bootstrap", {{"seed", t.bootstrap_seed}, {"resamples", t.bootstrap_resamples}}},
          {"n_samples", t.n_samples}, {"n_problems", t.n_problems},
          {"n_partial_problems", t.n_partial_problems}, {"modes", modes},
          {"accounting", accounting}, {"breakdowns", breakdowns}, {"problems", problems}};
}

using Reader = JsonReader;  // (reports/json_reader.h; merge reads shard log headers with it too)

Estimate read_estimate(const Reader& r, const json& j, const std::string& path) {
  return {.value = r.get<double>(j, "value", path),
          .standard_error = r.get<double>(j, "standard_error", path),
          .ci_lower = r.get<double>(j, "ci_lower", path),
          .ci_upper = r.get<double>(j, "ci_upper", path),
          .ci_level = r.get<double>(j, "ci_level", path)};
}

std::vector<AtK> read_at_k(const Reader& r, const json& obj, const std::string& key, const std::string& path) {
  std::vector<AtK> out;
  const json& arr = r.array(obj, key, path);
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string p = fmt::format("{}.{}[{}]", path, key, i);
    out.push_back({r.get<int>(arr[i], "k", p), r.get<double>(arr[i], "value", p)});
  }
  return out;
}

TaskReport read_task(const Reader& r, const json& j, const std::string& path) {
  TaskReport t;
  t.task = r.get<std::string>(j, "task", path);
  t.display_name = r.get<std::string>(j, "display_name", path);
  t.spec_version = r.get<std::string>(j, "spec_version", path);
  const json& ds = r.at(j, "dataset", path);
  t.dataset_path = r.get<std::string>(ds, "path", path + ".dataset");
  t.dataset_sha256 = r.get<std::string>(ds, "sha256", path + ".dataset");
  t.prompt_template = r.get<std::string>(j, "prompt_template", path);
  t.extractor = r.get<std::string>(j, "extractor", path);
  t.grader = r.get<std::string>(j, "grader", path);
  t.primary_mode = r.get<std::string>(j, "primary_mode", path);
  t.tie_policy = r.get<std::string>(j, "tie_policy", path);
  const json& bs = r.at(j, "bootstrap", path);
  t.bootstrap_seed = r.get<uint64_t>(bs, "seed", path + ".bootstrap");
  t.bootstrap_resamples = r.get<int>(bs, "resamples", path + ".bootstrap");
  t.n_samples = r.get<int>(j, "n_samples", path);
  t.n_problems = r.get<int>(j, "n_problems", path);
  t.n_partial_problems = r.get<int>(j, "n_partial_problems", path);
  const json& modes = r.array(j, "modes", path);
  for (size_t i = 0; i < modes.size(); ++i) {
    const std::string p = fmt::format("{}.modes[{}]", path, i);
    ModeMetrics m;
    m.mode = r.get<std::string>(modes[i], "mode", p);
    m.pass_at_1 = read_estimate(r, r.at(modes[i], "pass@1", p), p + ".pass@1");
    m.pass_at_k = read_at_k(r, modes[i], "pass@k", p);
    m.cons_at_n = r.get<double>(modes[i], "cons@n", p);
    m.maj_at_k = read_at_k(r, modes[i], "maj@k", p);
    m.no_answer_rate = r.get<double>(modes[i], "no_answer_rate", p);
    t.modes.push_back(std::move(m));
  }
  const json& a = r.at(j, "accounting", path);
  const std::string ap = path + ".accounting";
  t.accounting.n_samples = r.get<int64_t>(a, "n_samples", ap);
  t.accounting.n_truncated = r.get<int64_t>(a, "n_truncated", ap);
  t.accounting.n_errors = r.get<int64_t>(a, "n_errors", ap);
  t.accounting.n_no_answer = r.get<int64_t>(a, "n_no_answer", ap);
  t.accounting.n_from_thinking = r.get<int64_t>(a, "n_from_thinking", ap);
  t.accounting.truncation_rate = r.get<double>(a, "truncation_rate", ap);
  t.accounting.error_rate = r.get<double>(a, "error_rate", ap);
  t.accounting.no_answer_rate = r.get<double>(a, "no_answer_rate", ap);
  t.accounting.from_thinking_rate = r.get<double>(a, "from_thinking_rate", ap);
  const json& ct = r.at(a, "completion_tokens", ap);
  t.accounting.completion_tokens = {r.get<double>(ct, "mean", ap), r.get<double>(ct, "median", ap),
                                    r.get<double>(ct, "p95", ap), r.get<int64_t>(ct, "max", ap)};
  const json& bd = r.array(j, "breakdowns", path);
  for (size_t i = 0; i < bd.size(); ++i) {
    const std::string p = fmt::format("{}.breakdowns[{}]", path, i);
    t.breakdowns.push_back({r.get<std::string>(bd[i], "field", p), r.get<std::string>(bd[i], "value", p),
                            r.get<int>(bd[i], "n_problems", p), r.get<double>(bd[i], "pass@1", p),
                            r.get<double>(bd[i], "cons@n", p)});
  }
  const json& probs = r.array(j, "problems", path);
  for (size_t i = 0; i < probs.size(); ++i) {
    const std::string p = fmt::format("{}.problems[{}]", path, i);
    const json& row = probs[i];
    ProblemRow pr;
    pr.id = r.get<std::string>(row, "id", p);
    pr.gold = r.get<std::string>(row, "gold", p);
    pr.n = r.get<int>(row, "n", p);
    pr.correct = r.get<int>(row, "correct", p);
    pr.pass_at_1 = r.get<double>(row, "pass@1", p);
    pr.correct_mask = r.get<std::string>(row, "correct_mask", p);
    pr.correct_strict = r.get<int>(row, "correct_strict", p);
    pr.correct_flexible = r.get<int>(row, "correct_flexible", p);
    const json& maj = r.at(row, "majority_answer", p);
    if (!maj.is_null()) pr.majority_answer = r.get<std::string>(row, "majority_answer", p);
    pr.majority_count = r.get<int>(row, "majority_count", p);
    pr.majority_correct = r.get<bool>(row, "majority_correct", p);
    pr.majority_credit = r.get<double>(row, "majority_credit", p);
    pr.tie = r.get<bool>(row, "tie", p);
    pr.partial = r.get<bool>(row, "partial", p);
    const json& top = r.array(row, "top_answers", p);
    for (size_t k = 0; k < top.size(); ++k) {
      const std::string tp = fmt::format("{}.top_answers[{}]", p, k);
      pr.top_answers.push_back({r.get<std::string>(top[k], "answer", tp), r.get<int>(top[k], "count", tp),
                                r.get<bool>(top[k], "correct", tp)});
    }
    if (row.contains("choice_order")) pr.choice_order = row.at("choice_order").get<std::vector<int>>();
    if (row.contains("attributes")) {
      pr.attributes = row.at("attributes").get<std::map<std::string, std::string>>();
    }
    if (static_cast<int>(pr.correct_mask.size()) != t.n_samples) {
      throw std::runtime_error(fmt::format("report: {}.correct_mask: expected {} characters (n_samples), found {}",
                                           p, t.n_samples, pr.correct_mask.size()));
    }
    t.problems.push_back(std::move(pr));
  }
  return t;
}

}  // namespace

json to_json(const RunReport& report) {
  const Manifest& m = report.manifest;
  json manifest = {{"boxed_version", m.boxed_version}, {"grader_version", m.grader_version},
                   {"created_at", m.created_at}, {"host", m.host}, {"model", m.model},
                   {"backend", m.backend}, {"engine_details", m.engine_details},
                   {"sampling", m.sampling}, {"seed", m.seed}, {"command_line", m.command_line},
                   {"generation_seconds", m.generation_seconds},
                   {"scoring_seconds", m.scoring_seconds}};
  json tasks = json::array();
  for (const TaskReport& t : report.tasks) tasks.push_back(task_json(t));
  return {{"schema", kSchemaVersion}, {"manifest", manifest}, {"tasks", tasks}};
}

json to_json(const SampleRow& s) {
  json j = {{"task", s.task}, {"problem_id", s.problem_id}, {"sample", s.sample},
            {"answer_strict", optional_string(s.answer_strict)},
            {"answer_flexible", optional_string(s.answer_flexible)}, {"source", s.source}, {"rule", s.rule},
            {"correct_strict", s.correct_strict}, {"correct_flexible", s.correct_flexible},
            {"correct", s.correct}, {"from_thinking", s.from_thinking},
            {"finish_reason", s.finish_reason}, {"completion_tokens", s.completion_tokens}};
  if (s.text) j["text"] = *s.text;
  return j;
}

RunReport report_from_json(const json& j, const std::string& name_for_errors) {
  const Reader r(name_for_errors);
  const std::string schema = r.get<std::string>(j, "schema", "");
  const std::string_view want = kSchemaVersion.substr(0, kSchemaVersion.find('.', kSchemaVersion.find('/')) + 1);
  if (!schema.starts_with(want)) {
    throw std::runtime_error(fmt::format("{}: schema: expected {}x, found '{}'", name_for_errors, want, schema));
  }
  RunReport out;
  const json& m = r.at(j, "manifest", "");
  Manifest& man = out.manifest;
  man.boxed_version = r.get<std::string>(m, "boxed_version", "manifest");
  man.grader_version = r.get<std::string>(m, "grader_version", "manifest");
  man.created_at = r.get<std::string>(m, "created_at", "manifest");
  man.host = r.get<std::string>(m, "host", "manifest");
  man.model = r.get<std::string>(m, "model", "manifest");
  man.backend = r.get<std::string>(m, "backend", "manifest");
  man.engine_details = r.at(m, "engine_details", "manifest").get<std::map<std::string, std::string>>();
  man.sampling = r.at(m, "sampling", "manifest");
  man.seed = r.get<uint64_t>(m, "seed", "manifest");
  man.command_line = r.at(m, "command_line", "manifest").get<std::vector<std::string>>();
  man.generation_seconds = r.get<double>(m, "generation_seconds", "manifest");
  man.scoring_seconds = r.get<double>(m, "scoring_seconds", "manifest");
  const json& tasks = r.array(j, "tasks", "");
  for (size_t i = 0; i < tasks.size(); ++i) out.tasks.push_back(read_task(r, tasks[i], fmt::format("tasks[{}]", i)));
  return out;
}

RunReport read_report_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open report for reading", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  json j = json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw std::runtime_error(fmt::format("{}: not valid JSON", path));
  return report_from_json(j, path);
}

}  // namespace boxed::reports
