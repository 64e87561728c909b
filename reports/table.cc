#include "reports/table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "reports/report_markdown.h"

namespace boxed::reports {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

struct Column {
  std::string task;
  std::string metric;  // "pass@1" or "cons@64"
  std::string heading;
};

// The published table's columns (DeepSeek-R1 paper, Table 5), in its order.
std::vector<Column> standard_columns() {
  return {{"aime24", "pass@1", "AIME 2024 pass@1"},
          {"aime24", "cons@64", "AIME 2024 cons@64"},
          {"math500", "pass@1", "MATH-500 pass@1"},
          {"gpqa_diamond", "pass@1", "GPQA Diamond pass@1"}};
}

std::string measured_cell(const TaskReport& t, const std::string& metric) {
  const ModeMetrics& p = t.primary();
  if (metric == "pass@1") {
    return fmt::format("{} ± {}", percent(p.pass_at_1.value),
                       percent((p.pass_at_1.ci_upper - p.pass_at_1.ci_lower) / 2));
  }
  // cons@64: the report's cons@n, with its n when that is not 64.
  return t.n_samples == 64 ? percent(p.cons_at_n) : fmt::format("{} (n={})", percent(p.cons_at_n), t.n_samples);
}

double measured_value(const TaskReport& t, const std::string& metric) {
  return metric == "pass@1" ? t.primary().pass_at_1.value : t.primary().cons_at_n;
}

}  // namespace

const ReferenceModel* Reference::find(const std::string& model) const {
  const std::string base = lower(std::filesystem::path(model).filename().string().empty()
                                     ? std::filesystem::path(model).parent_path().filename().string()
                                     : std::filesystem::path(model).filename().string());
  for (const ReferenceModel& m : models) {
    if (lower(m.name) == base) return &m;
    for (const std::string& a : m.aliases) {
      if (lower(a) == base) return &m;
    }
  }
  return nullptr;
}

Reference read_reference(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open reference file", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(buffer.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error(fmt::format("{}: not a JSON object", path));
  auto need = [&](const nlohmann::json& obj, const char* key, bool (nlohmann::json::*is)() const noexcept,
                  const char* what, const std::string& where) -> const nlohmann::json& {
    const auto it = obj.find(key);
    if (it == obj.end() || !((*it).*is)()) {
      throw std::runtime_error(fmt::format("{}: {}{}: expected {}", path, where, key, what));
    }
    return *it;
  };
  Reference ref;
  ref.source = need(j, "source", &nlohmann::json::is_string, "a string", "").get<std::string>();
  if (need(j, "unit", &nlohmann::json::is_string, "a string", "").get<std::string>() != "percent") {
    throw std::runtime_error(fmt::format("{}: unit: expected \"percent\"", path));
  }
  const nlohmann::json& models = need(j, "models", &nlohmann::json::is_array, "an array", "");
  for (size_t i = 0; i < models.size(); ++i) {
    const std::string where = fmt::format("models[{}].", i);
    ReferenceModel m;
    m.name = need(models[i], "name", &nlohmann::json::is_string, "a string", where).get<std::string>();
    if (models[i].contains("aliases")) {
      m.aliases = need(models[i], "aliases", &nlohmann::json::is_array, "an array", where).get<std::vector<std::string>>();
    }
    for (const auto& [key, v] : need(models[i], "values", &nlohmann::json::is_object, "an object", where).items()) {
      if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 100) {
        throw std::runtime_error(fmt::format("{}: {}values.{}: expected percentage points in [0, 100]", path, where, key));
      }
      m.values[key] = v.get<double>() / 100.0;
    }
    ref.models.push_back(std::move(m));
  }
  return ref;
}

std::string render_table(const std::vector<NamedReport>& reports, const Reference* reference) {
  // Rows: models in first-seen order; each cell from the one report that has that task.
  std::vector<std::string> models;
  std::map<std::string, std::map<std::string, const TaskReport*>> cells;  // model -> task -> report
  std::vector<Column> columns = standard_columns();
  std::set<std::string> standard_tasks = {"aime24", "math500", "gpqa_diamond"};
  for (const NamedReport& r : reports) {
    const std::string model = r.report.manifest.model.empty()
                                  ? std::filesystem::path(r.file).parent_path().filename().string()
                                  : r.report.manifest.model;
    if (std::find(models.begin(), models.end(), model) == models.end()) models.push_back(model);
    for (const TaskReport& t : r.report.tasks) {
      if (!cells[model].emplace(t.task, &t).second) {
        throw std::runtime_error(fmt::format("{}: model '{}' already has a {} result from another report", r.file,
                                             model, t.task));
      }
      const bool listed = std::any_of(columns.begin(), columns.end(), [&](const Column& c) { return c.task == t.task; });
      if (!listed && !standard_tasks.contains(t.task)) {
        columns.push_back({t.task, "pass@1", t.display_name + " pass@1"});
      }
    }
  }
  std::string md = "| Model |";
  for (const Column& c : columns) md += fmt::format(" {} |", c.heading);
  md += "\n|---|";
  for (size_t i = 0; i < columns.size(); ++i) md += "---:|";
  md += "\n";
  std::vector<std::string> unmatched;
  for (const std::string& model : models) {
    md += fmt::format("| {} |", model);
    for (const Column& c : columns) {
      const auto it = cells[model].find(c.task);
      md += fmt::format(" {} |", it == cells[model].end() ? "—" : measured_cell(*it->second, c.metric));
    }
    md += "\n";
    if (!reference) continue;
    const ReferenceModel* ref = reference->find(model);
    if (!ref) {
      unmatched.push_back(model);
      continue;
    }
    std::string published = fmt::format("| {} (published) |", ref->name);
    std::string delta = fmt::format("| Δ {} − published |", model);
    for (const Column& c : columns) {
      const auto v = ref->values.find(c.task + "/" + c.metric);
      const auto it = cells[model].find(c.task);
      published += fmt::format(" {} |", v == ref->values.end() ? "—" : percent(v->second));
      if (v == ref->values.end() || it == cells[model].end()) {
        delta += " — |";
      } else {
        delta += fmt::format(" {:+.1f} |", 100 * (measured_value(*it->second, c.metric) - v->second));
      }
    }
    md += published + "\n" + delta + "\n";
  }
  md += "\nCells: percentages, ± the half-width of the bootstrap 95% interval; cons@64 is majority "
        "voting over the report's n samples (n shown when not 64).\n";
  if (reference) {
    md += fmt::format("Published values: {}.\n", reference->source);
    for (const std::string& m : unmatched) md += fmt::format("No published values for '{}'.\n", m);
  }
  return md;
}

}  // namespace boxed::reports
