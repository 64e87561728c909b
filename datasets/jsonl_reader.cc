#include "datasets/jsonl_reader.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace boxed::datasets {

JsonlContents parse_jsonl(std::string_view text, const std::string& name_for_errors) {
  JsonlContents out;
  int64_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    ++line_no;
    const size_t eol = text.find('\n', pos);
    const bool has_newline = eol != std::string_view::npos;
    std::string_view line = text.substr(pos, has_newline ? eol - pos : std::string_view::npos);
    const size_t start = pos;
    pos = has_newline ? eol + 1 : text.size();
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    nlohmann::json value = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
      if (!has_newline) {
        out.torn_tail = true;
        out.torn_tail_offset = static_cast<int64_t>(start);
        break;
      }
      throw std::runtime_error(
          fmt::format("{}:{}: not valid JSON: {}", name_for_errors, line_no,
                      line.size() > 80 ? std::string(line.substr(0, 80)) + "..." : std::string(line)));
    }
    if (!value.is_object()) {
      throw std::runtime_error(fmt::format("{}:{}: expected a JSON object, found {}",
                                           name_for_errors, line_no, value.type_name()));
    }
    out.records.push_back({std::move(value), line_no});
  }
  return out;
}

JsonlContents read_jsonl(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open for reading", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw std::runtime_error(fmt::format("{}: read error", path));
  return parse_jsonl(buffer.str(), path);
}

}  // namespace boxed::datasets
