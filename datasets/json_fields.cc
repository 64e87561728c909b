#include "datasets/json_fields.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <stdexcept>

namespace boxed::datasets {

std::optional<std::string> scalar_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) {
    return value.is_number_unsigned() ? std::to_string(value.get<uint64_t>())
                                      : std::to_string(value.get<int64_t>());
  }
  if (value.is_number_float()) {
    const double x = value.get<double>();
    if (std::isfinite(x) && x == std::trunc(x) && std::fabs(x) < 1e15) {
      return std::to_string(static_cast<int64_t>(x));
    }
    return fmt::format("{}", x);  // shortest representation that reads back the same double
  }
  return std::nullopt;
}

std::optional<std::string> optional_text(const JsonlRecord& record,
                                         const std::vector<std::string>& names,
                                         const std::string& file) {
  for (const std::string& name : names) {
    const auto it = record.value.find(name);
    if (it == record.value.end()) continue;
    std::optional<std::string> text = scalar_text(*it);
    if (!text) {
      throw std::runtime_error(fmt::format("{}:{}: field '{}': expected a string or a number, found {}",
                                           file, record.line, name, it->type_name()));
    }
    return text;
  }
  return std::nullopt;
}

std::string required_text(const JsonlRecord& record, const std::vector<std::string>& names,
                          const std::string& file, bool allow_empty) {
  std::optional<std::string> text = optional_text(record, names, file);
  if (!text) {
    throw std::runtime_error(fmt::format("{}:{}: field '{}': missing", file, record.line,
                                         fmt::join(names, "' or '")));
  }
  if (!allow_empty && text->find_first_not_of(" \t\r\n") == std::string::npos) {
    throw std::runtime_error(fmt::format("{}:{}: field '{}': expected a non-empty value, found \"{}\"",
                                         file, record.line, fmt::join(names, "' or '"), *text));
  }
  return *text;
}

}  // namespace boxed::datasets
