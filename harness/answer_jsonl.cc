#include "harness/answer_jsonl.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <stdexcept>

#include "harness/suggest.h"
#include "metrics/registry.h"

namespace boxed::harness {

std::vector<JsonlRow> read_jsonl_objects(const std::string& path) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path);
    if (!file) throw std::runtime_error(fmt::format("{}: cannot open for reading", path));
    in = &file;
  }
  std::vector<JsonlRow> rows;
  std::string line;
  std::size_t n = 0;
  while (std::getline(*in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    JsonlRow row{.line = n};
    try {
      row.value = nlohmann::ordered_json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      throw std::runtime_error(fmt::format("{}:{}: invalid JSON: {}", path, n, e.what()));
    }
    if (!row.value.is_object()) {
      throw std::runtime_error(
          fmt::format("{}:{}: expected a JSON object, found {}", path, n, row.value.type_name()));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string string_field(const JsonlRow& row, const std::string& path, const char* name) {
  auto it = row.value.find(name);
  if (it == row.value.end()) {
    throw std::runtime_error(fmt::format("{}:{}: field '{}': expected a string, found nothing",
                                         path, row.line, name));
  }
  if (!it->is_string()) {
    throw std::runtime_error(fmt::format("{}:{}: field '{}': expected a string, found {}", path,
                                         row.line, name, it->type_name()));
  }
  return it->get<std::string>();
}

metrics::AnswerFormat task_format(const std::string& task) {
  if (auto format = metrics::format_for_task(task)) return *format;
  const std::vector<std::string> names = metrics::task_format_names();
  throw std::invalid_argument(unknown_name_message("task", task, names));
}

metrics::ExtractMode extract_mode(const std::string& mode) {
  if (mode == "strict") return metrics::ExtractMode::kStrict;
  if (mode == "flexible") return metrics::ExtractMode::kFlexible;
  const std::vector<std::string> names = {"strict", "flexible"};
  throw std::invalid_argument(unknown_name_message("mode", mode, names));
}

}  // namespace boxed::harness
