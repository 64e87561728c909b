// Reads JSON Lines files record by record, keeping the file name and line number of each record
// so that every error can say where it is. A last line without a newline that does not parse is
// reported as torn (what a killed writer leaves) rather than as corrupt, so a log reader can
// drop it; any other bad line is an error.
//
//   for (const JsonlRecord& r : read_jsonl("test.jsonl")) use(r.value, r.line);
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace boxed::datasets {

struct JsonlRecord {
  nlohmann::json value;
  int64_t line = 0;  // 1-based line number in the file
};

struct JsonlContents {
  std::vector<JsonlRecord> records;
  bool torn_tail = false;  // the last line had no newline and did not parse; it is not in records
  int64_t torn_tail_offset = 0;  // byte offset where the torn line starts
};

// Blank lines are skipped. Throws std::runtime_error naming the file and line for a line that
// is not a JSON object (other than a torn tail), and for an unreadable file.
JsonlContents read_jsonl(const std::string& path);
JsonlContents parse_jsonl(std::string_view text, const std::string& name_for_errors);

}  // namespace boxed::datasets
