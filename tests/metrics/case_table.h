// Loading the JSONL case tables under tests/data/metrics/ for the answer tests.
//
//   for (const CaseRow& row : load_cases("extract_cases.jsonl")) { ... row.json["note"] ... }
#pragma once

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "metrics/extract.h"

namespace boxed::metrics::testing {

// The repository root: $BOXED_SOURCE_DIR (set by boxed_add_gtest), else the compile-time root.
inline std::string source_dir() {
  if (const char* env = std::getenv("BOXED_SOURCE_DIR")) return env;
  return BOXED_TEST_SOURCE_DIR;
}

// The "format" column of the case tables: "math", "integer" or "choice".
inline AnswerFormat format_of(const std::string& name) {
  if (name == "math") return AnswerFormat::kMath;
  if (name == "integer") return AnswerFormat::kInteger;
  if (name == "choice") return AnswerFormat::kChoice;
  throw std::invalid_argument("unknown format " + name);
}

struct CaseRow {
  int line = 0;
  nlohmann::json json;
};

inline std::vector<CaseRow> load_cases(const std::string& name) {
  const std::string path = source_dir() + "/tests/data/metrics/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<CaseRow> rows;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    rows.push_back({n, nlohmann::json::parse(line)});
  }
  return rows;
}

}  // namespace boxed::metrics::testing
