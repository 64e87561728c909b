#include "datasets/math_jsonl.h"

#include <fmt/format.h>

#include <set>
#include <stdexcept>

#include "datasets/json_fields.h"
#include "datasets/jsonl_reader.h"

namespace boxed::datasets {

const std::vector<std::string>& default_id_fields() {
  // AIME24/AMC23 (Qwen2.5-Math evaluation data): "id"; MATH-500: "unique_id"; several HF exports:
  // "idx"; GPQA CSV: "Record ID".
  static const std::vector<std::string> kFields = {"id", "unique_id", "idx", "Record ID"};
  return kFields;
}

namespace {

std::vector<std::string> names_for(const FieldMap& fields, const std::string& canonical,
                                   std::vector<std::string> defaults) {
  const auto it = fields.find(canonical);
  if (it != fields.end()) return {it->second};
  return defaults;
}

}  // namespace

std::vector<Problem> load_math_jsonl(std::string_view text, const std::string& file,
                                     const FieldMap& fields,
                                     const std::vector<std::string>& attribute_fields) {
  const JsonlContents contents = parse_jsonl(text, file);
  if (contents.torn_tail) {
    throw std::runtime_error(fmt::format(
        "{}: the last line (at byte {}) is not complete JSON; refusing a half-written dataset", file,
        contents.torn_tail_offset));
  }
  const std::vector<std::string> problem_names = names_for(fields, "problem", {"problem", "question"});
  const std::vector<std::string> answer_names = names_for(fields, "answer", {"answer"});
  const std::vector<std::string> id_names = names_for(fields, "id", default_id_fields());
  const bool id_mapped = fields.contains("id");
  // Attributes: the spec's breakdowns plus any other mapped (non-core) field.
  std::vector<std::pair<std::string, std::string>> attributes;  // canonical, in-file
  for (const std::string& a : attribute_fields) {
    const auto it = fields.find(a);
    attributes.emplace_back(a, it == fields.end() ? a : it->second);
  }
  for (const auto& [canonical, in_file] : fields) {
    if (canonical == "problem" || canonical == "answer" || canonical == "id") continue;
    bool known = false;
    for (const auto& [c, f] : attributes) known = known || c == canonical;
    if (!known) attributes.emplace_back(canonical, in_file);
  }

  std::vector<Problem> problems;
  std::set<std::string> seen;
  for (const JsonlRecord& record : contents.records) {
    Problem p;
    p.line = record.line;
    p.question = required_text(record, problem_names, file);
    p.answer = required_text(record, answer_names, file);
    std::optional<std::string> id = optional_text(record, id_names, file);
    if (!id && id_mapped) {
      throw std::runtime_error(fmt::format("{}:{}: field '{}': missing (mapped as the id)", file,
                                           record.line, id_names.front()));
    }
    p.id = id ? *id : std::to_string(record.line);
    for (const auto& [canonical, in_file] : attributes) {
      if (std::optional<std::string> v = optional_text(record, {in_file}, file)) {
        p.attributes[canonical] = *v;
      }
    }
    if (!seen.insert(p.id).second) {
      throw std::runtime_error(
          fmt::format("{}:{}: duplicate problem id '{}'", file, record.line, p.id));
    }
    problems.push_back(std::move(p));
  }
  if (problems.empty()) throw std::runtime_error(fmt::format("{}: no problems in the file", file));
  return problems;
}

}  // namespace boxed::datasets
