// A CSV reader for RFC 4180 files (the GPQA release is one): comma-separated, fields optionally in
// double quotes, a doubled quote inside quotes is a quote, quoted fields may span lines. The first
// record is the header. Each record keeps the line it starts on, for messages.
//
//   CsvTable t = parse_csv(text, "gpqa_diamond.csv");
//   const std::string& q = t.rows[0].fields[t.column("Question")];
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace boxed::datasets {

struct CsvRow {
  std::vector<std::string> fields;
  int64_t line = 0;  // 1-based line where the record starts
};

struct CsvTable {
  std::vector<std::string> header;
  std::vector<CsvRow> rows;
  std::string name;  // file name, for messages
  // Index of a header column; throws std::runtime_error naming the file and the columns present.
  size_t column(std::string_view name) const;
  bool has_column(std::string_view name) const;
};

// Throws std::runtime_error "<name>:<line>: ..." for an unterminated quote, a stray quote inside
// an unquoted field, or a record whose field count differs from the header's. Blank lines between
// records are skipped; a UTF-8 byte-order mark at the start is dropped.
CsvTable parse_csv(std::string_view text, const std::string& name);

}  // namespace boxed::datasets
