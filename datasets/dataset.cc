#include "datasets/dataset.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

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
  const std::string bytes = buffer.str();

  LoadedDataset out;
  out.path = path;
  out.sha256 = sha256_hex(bytes);
  switch (spec.loader) {
    case LoaderKind::kMathJsonl:
      out.problems = load_math_jsonl(bytes, path, fields, spec.breakdowns);
      break;
    case LoaderKind::kGpqa:
      out.problems = load_gpqa(bytes, path, fields, path.ends_with(".csv"));
      break;
  }
  return out;
}

}  // namespace boxed::datasets
