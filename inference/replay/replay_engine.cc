#include "inference/replay/replay_engine.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace boxed::inference::replay {

using nlohmann::json;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("replay: cannot open '{}'", path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

template <typename T>
T field(const json& record, const char* key, T fallback, const std::string& where) {
  auto it = record.find(key);
  if (it == record.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw std::runtime_error(
        fmt::format("{}: field '{}': expected {}, found {}", where, key,
                    std::is_same_v<T, std::string> ? "a string" : "a number", it->dump()));
  }
}

}  // namespace

ReplayEngine::ReplayEngine(const std::string& from) {
  path_ = std::filesystem::is_directory(from)
              ? (std::filesystem::path(from) / "completions.jsonl").string()
              : from;
  const std::string text = read_file(path_);
  size_t start = 0;
  for (int64_t line_no = 1; start < text.size(); ++line_no) {
    const size_t end = text.find('\n', start);
    const bool last_without_newline = end == std::string::npos;
    const std::string_view line =
        std::string_view(text).substr(start, last_without_newline ? std::string::npos : end - start);
    start = last_without_newline ? text.size() : end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = fmt::format("{}:{}", path_, line_no);
    json record = json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object()) {
      if (last_without_newline) break;  // torn tail left by a kill: never written completely
      throw std::runtime_error(fmt::format("{}: not a JSON object", where));
    }
    const std::string type = field<std::string>(record, "type", "", where);
    if (type == "header") {
      if (auto c = record.find("config"); c != record.end() && c->is_object()) {
        model_ = field<std::string>(*c, "model", "", where);
      }
      continue;
    }
    if (type != "completion") {
      throw std::runtime_error(
          fmt::format("{}: field 'type': expected \"header\" or \"completion\", found '{}'", where,
                      type));
    }
    Completion c{.id = field<std::string>(record, "id", "", where)};
    if (c.id.empty()) throw std::runtime_error(fmt::format("{}: field 'id' is missing", where));
    c.text = field<std::string>(record, "text", "", where);
    const std::string finish = field<std::string>(record, "finish_reason", "", where);
    const std::optional<FinishReason> reason = parse_finish_reason(finish);
    if (!reason) {
      throw std::runtime_error(fmt::format(
          "{}: field 'finish_reason': expected stop, length or error, found '{}'", where, finish));
    }
    c.finish_reason = *reason;
    c.prompt_tokens = field<int64_t>(record, "prompt_tokens", 0, where);
    c.completion_tokens = field<int64_t>(record, "completion_tokens", 0, where);
    c.error = field<std::string>(record, "error", "", where);
    if (c.finish_reason == FinishReason::kError && c.error.empty()) c.error = "saved as an error";
    saved_.insert_or_assign(c.id, std::move(c));
  }
}

EngineInfo ReplayEngine::info() const {
  return EngineInfo{.backend = "replay", .model = model_, .details = {{"from", path_}}};
}

void ReplayEngine::generate(std::span<const Request> requests, const OnDone& on_done) {
  for (const Request& request : requests) {
    auto it = saved_.find(request.id);
    if (it == saved_.end()) {
      on_done(Completion{.id = request.id,
                         .finish_reason = FinishReason::kError,
                         .error = fmt::format("replay: no completion for '{}' in {}", request.id,
                                              path_)});
      continue;
    }
    on_done(it->second);
  }
}

}  // namespace boxed::inference::replay
