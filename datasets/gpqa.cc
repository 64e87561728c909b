#include "datasets/gpqa.h"

#include <fmt/format.h>

#include <set>
#include <stdexcept>

#include "datasets/csv_reader.h"
#include "datasets/json_fields.h"
#include "datasets/jsonl_reader.h"
#include "datasets/math_jsonl.h"

namespace boxed::datasets {
namespace {

// Official column names (gpqa_diamond.csv header).
const char* const kQuestion = "Question";
const char* const kCorrect = "Correct Answer";
const char* const kIncorrect[] = {"Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3"};
const char* const kDomain = "High-level domain";

std::string trim(std::string s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string in_file(const FieldMap& fields, const std::string& canonical) {
  const auto it = fields.find(canonical);
  return it == fields.end() ? canonical : it->second;
}

// CSV rows become JSON objects of strings so that one field reader serves both layouts.
std::vector<JsonlRecord> csv_records(std::string_view text, const std::string& file) {
  const CsvTable table = parse_csv(text, file);
  std::vector<JsonlRecord> records;
  records.reserve(table.rows.size());
  for (const CsvRow& row : table.rows) {
    nlohmann::json obj = nlohmann::json::object();
    for (size_t c = 0; c < table.header.size(); ++c) obj[table.header[c]] = row.fields[c];
    records.push_back({std::move(obj), row.line});
  }
  return records;
}

}  // namespace

std::vector<Problem> load_gpqa(std::string_view text, const std::string& file, const FieldMap& fields,
                               bool csv) {
  std::vector<JsonlRecord> records;
  if (csv) {
    records = csv_records(text, file);
  } else {
    JsonlContents contents = parse_jsonl(text, file);
    if (contents.torn_tail) {
      throw std::runtime_error(fmt::format(
          "{}: the last line (at byte {}) is not complete JSON; refusing a half-written dataset",
          file, contents.torn_tail_offset));
    }
    records = std::move(contents.records);
  }
  const auto id_it = fields.find("id");
  const std::vector<std::string> id_names =
      id_it != fields.end() ? std::vector<std::string>{id_it->second} : default_id_fields();
  std::vector<Problem> problems;
  std::set<std::string> seen;
  for (const JsonlRecord& record : records) {
    Problem p;
    p.line = record.line;
    p.question = trim(required_text(record, {in_file(fields, kQuestion)}, file));
    p.choices.push_back(trim(required_text(record, {in_file(fields, kCorrect)}, file)));
    for (const char* col : kIncorrect) {
      p.choices.push_back(trim(required_text(record, {in_file(fields, col)}, file)));
    }
    p.answer = p.choices.front();
    std::optional<std::string> id = optional_text(record, id_names, file);
    p.id = id ? trim(*id) : std::to_string(record.line);
    if (std::optional<std::string> d = optional_text(record, {in_file(fields, kDomain)}, file)) {
      p.attributes[kDomain] = trim(*d);
    }
    if (!seen.insert(p.id).second) {
      throw std::runtime_error(fmt::format("{}:{}: duplicate problem id '{}'", file, record.line, p.id));
    }
    problems.push_back(std::move(p));
  }
  if (problems.empty()) throw std::runtime_error(fmt::format("{}: no problems in the file", file));
  return problems;
}

}  // namespace boxed::datasets
