// Reading the scalar fields of a dataset record with messages that say where: "<file>:<line>:
// field '<name>': expected ..., found ...". Internal to the loaders.
//
//   std::string answer = required_text(record, "answer", {"answer"}, path);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/jsonl_reader.h"

namespace boxed::datasets {

// A JSON string as is; an integer in decimal; a floating-point number without a spurious ".0"
// (27.0 -> "27", 0.5 -> "0.5"); nullopt for null, booleans, arrays and objects.
std::optional<std::string> scalar_text(const nlohmann::json& value);

// The first of `names` present in the record, as text. Throws when none is present, when it is
// not a scalar, or when it is empty/blank and `allow_empty` is false.
std::string required_text(const JsonlRecord& record, const std::vector<std::string>& names,
                          const std::string& file, bool allow_empty = false);

// Like required_text but returns nullopt when none of `names` is present.
std::optional<std::string> optional_text(const JsonlRecord& record,
                                         const std::vector<std::string>& names,
                                         const std::string& file);

}  // namespace boxed::datasets
