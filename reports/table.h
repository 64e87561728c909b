// `boxed table`: reports side by side in the layout of the DeepSeek-R1 "Distilled Model
// Evaluation" table (DeepSeek-R1 paper, arXiv:2501.12948, Table 5): one row per model, columns
// AIME 2024 pass@1, AIME 2024 cons@64, MATH-500 pass@1, GPQA Diamond pass@1, then pass@1 of any
// other task present. Cells are percentages with the half-width of the bootstrap 95% interval.
// With a reference file, each model with published values gets a "published" row and a "Δ" row.
//
//   Reference ref = read_reference("reports/reference/deepseek_r1_distill.json");
//   std::string md = render_table({{"a.json", report_a}, {"b.json", report_b}}, &ref);
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/run_report.h"

namespace boxed::reports {

struct ReferenceModel {
  std::string name;
  std::vector<std::string> aliases;
  std::map<std::string, double> values;  // "aime24/pass@1" -> fraction (file holds points)
};

struct Reference {
  std::string source;
  std::vector<ReferenceModel> models;
  // The model whose name or alias equals the last path component of `model` (case-insensitive).
  const ReferenceModel* find(const std::string& model) const;
};

// The file: {"source": "...", "unit": "percent", "models": [{"name": .., "aliases": [..],
// "values": {"aime24/pass@1": 28.9, ...}}]}. Throws std::runtime_error naming file and field.
Reference read_reference(const std::string& path);

struct NamedReport {
  std::string file;  // for messages, and the row name when the manifest has no model
  RunReport report;
};

// Throws std::runtime_error when two reports give the same model the same task.
std::string render_table(const std::vector<NamedReport>& reports, const Reference* reference);

}  // namespace boxed::reports
