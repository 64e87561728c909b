#include "datasets/csv_reader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <stdexcept>

namespace boxed::datasets {

size_t CsvTable::column(std::string_view col) const {
  const auto it = std::find(header.begin(), header.end(), col);
  if (it == header.end()) {
    throw std::runtime_error(fmt::format("{}: missing column '{}' (columns: {})", name, col,
                                         fmt::join(header, ", ")));
  }
  return static_cast<size_t>(it - header.begin());
}

bool CsvTable::has_column(std::string_view col) const {
  return std::find(header.begin(), header.end(), col) != header.end();
}

CsvTable parse_csv(std::string_view text, const std::string& name) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvTable table;
  table.name = name;
  std::vector<CsvRow> records;
  CsvRow row;
  std::string field;
  int64_t line = 1;
  size_t i = 0;
  bool at_record_start = true;
  auto end_record = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
    records.push_back(std::move(row));
    row = CsvRow{};
    at_record_start = true;
  };
  while (i < text.size()) {
    if (at_record_start) {
      // Skip blank lines between records.
      if (text[i] == '\n' || (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
        i += text[i] == '\r' ? 2 : 1;
        ++line;
        continue;
      }
      row.line = line;
      at_record_start = false;
    }
    // One field starts at i.
    if (text[i] == '"') {
      const int64_t quote_line = line;
      ++i;
      while (true) {
        if (i >= text.size()) {
          throw std::runtime_error(fmt::format("{}:{}: unterminated quoted field", name, quote_line));
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field.push_back(text[i++]);
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        throw std::runtime_error(fmt::format(
            "{}:{}: expected ',' or end of line after a closing quote, found '{}'", name, line, text[i]));
      }
    } else {
      while (i < text.size() && text[i] != ',' && text[i] != '\n' &&
             !(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
        if (text[i] == '"') {
          throw std::runtime_error(
              fmt::format("{}:{}: a quote inside an unquoted field (quote the whole field)", name, line));
        }
        field.push_back(text[i++]);
      }
    }
    if (i >= text.size()) {
      end_record();
      break;
    }
    if (text[i] == ',') {
      row.fields.push_back(std::move(field));
      field.clear();
      ++i;
      if (i == text.size()) end_record();  // a trailing comma ends the file with an empty field
      continue;
    }
    i += text[i] == '\r' ? 2 : 1;  // "\r\n" or "\n"
    end_record();
    ++line;
  }
  if (records.empty()) throw std::runtime_error(fmt::format("{}: empty CSV file (no header)", name));
  table.header = std::move(records.front().fields);
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].fields.size() != table.header.size()) {
      throw std::runtime_error(fmt::format("{}:{}: expected {} fields (as the header), found {}", name,
                                           records[r].line, table.header.size(),
                                           records[r].fields.size()));
    }
    table.rows.push_back(std::move(records[r]));
  }
  return table;
}

}  // namespace boxed::datasets
