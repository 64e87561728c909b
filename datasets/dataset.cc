#include "datasets/dataset.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "datasets/builtin.h"
#include "datasets/gpqa.h"
#include "datasets/math_jsonl.h"
#include "datasets/sha256.h"

namespace boxed::datasets {

FieldMap parse_field_mappings(const std::vector<std::string>& mappings) {
  FieldMap fields;
  for (const std::string& m : mappings) {
    const size_t eq = m.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == m.size()) {
      throw std::invalid_argument(fmt::format(
          "field mapping '{}': expected CANONICAL=NAME_IN_FILE (e.g. problem=question)", m));
    }
    const std::string canonical = m.substr(0, eq);
    if (!fields.emplace(canonical, m.substr(eq + 1)).second) {
      throw std::invalid_argument(fmt::format("field mapping: '{}' is mapped twice", canonical));
    }
  }
  return fields;
}

LoadedDataset load_dataset(const TaskSpec& spec, const std::string& path, const FieldMap& fields) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open dataset for reading", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw std::runtime_error(fmt::format("{}: read error", path));
  return load_dataset_bytes(spec, buffer.str(), path, fields);
}

LoadedDataset load_dataset_bytes(const TaskSpec& spec, std::string_view bytes,
                                 const std::string& label, const FieldMap& fields) {
  LoadedDataset out;
  out.path = label;
  out.sha256 = sha256_hex(bytes);
  switch (spec.loader) {
    case LoaderKind::kMathJsonl:
      out.problems = load_math_jsonl(bytes, label, fields, spec.breakdowns);
      break;
    case LoaderKind::kGpqa:
      out.problems = load_gpqa(bytes, label, fields, label.ends_with(".csv"));
      break;
  }
  return out;
}

LoadedDataset load_task_dataset(const TaskSpec& spec, const std::string& path,
                                const FieldMap& fields) {
  constexpr std::string_view kPrefix = "built-in:";
  if (!path.empty() && !path.starts_with(kPrefix)) return load_dataset(spec, path, fields);
  if (path.size() > kPrefix.size() && path.substr(kPrefix.size()) != spec.name) {
    throw std::invalid_argument(fmt::format("--dataset {}: task '{}' can only read built-in:{}",
                                            path, spec.name, spec.name));
  }
  const BuiltinDataset* builtin = find_builtin(spec.name);
  if (!builtin) throw std::invalid_argument(missing_dataset_help(spec));
  return load_dataset_bytes(spec, builtin->bytes, "built-in:" + spec.name, fields);
}

}  // namespace boxed::datasets
