#include "harness/completion_log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <limits>
#include <set>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "datasets/jsonl_reader.h"

namespace boxed::harness {

namespace fs = std::filesystem;
using nlohmann::json;

json to_json(const LogRecord& r) {
  return json{{"type", "completion"},
              {"id", r.id},
              {"task", r.task},
              {"problem_id", r.problem_id},
              {"sample", r.sample},
              {"seed", r.seed},
              {"text", r.completion.text},
              {"finish_reason", inference::to_string(r.completion.finish_reason)},
              {"prompt_tokens", r.completion.prompt_tokens},
              {"completion_tokens", r.completion.completion_tokens},
              {"error", r.completion.error}};
}

namespace {

// A field of a record: a string, or an integer in T's range (get<T>() alone would truncate 2.5
// and convert 1e300 to int with undefined behaviour; found by tests/fuzz/completion_log).
template <typename T>
T required(const json& value, const char* key, const std::string& where) {
  auto it = value.find(key);
  if (it == value.end()) throw std::runtime_error(fmt::format("{}: field '{}' is missing", where, key));
  if constexpr (std::is_same_v<T, std::string>) {
    if (it->is_string()) return it->get<std::string>();
  } else {
    if (it->is_number_unsigned() && std::in_range<T>(it->get<uint64_t>())) {
      return static_cast<T>(it->get<uint64_t>());
    }
    if (it->is_number_integer() && !it->is_number_unsigned() && std::in_range<T>(it->get<int64_t>())) {
      return static_cast<T>(it->get<int64_t>());
    }
  }
  throw std::runtime_error(fmt::format(
      "{}: field '{}': expected {}, found {}", where, key,
      std::is_same_v<T, std::string> ? "a string" : fmt::format("an integer in [{}, {}]",
          std::numeric_limits<T>::min(), std::numeric_limits<T>::max()), it->dump()));
}

// The string at `key`, or "" when it is absent or not a string (the callers' messages show what
// was found); value(key, "") would throw a json type_error for a number.
std::string string_or_empty(const json& value, const char* key) {
  auto it = value.find(key);
  return it != value.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void collect_differences(const json& logged, const json& now, const std::string& prefix,
                         std::vector<std::string>& out) {
  if (logged.is_object() && now.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, v] : logged.items()) keys.insert(k);
    for (const auto& [k, v] : now.items()) keys.insert(k);
    for (const std::string& k : keys) {
      const std::string name = prefix.empty() ? k : prefix + "." + k;
      collect_differences(logged.value(k, json()), now.value(k, json()), name, out);
    }
    return;
  }
  if (logged != now) {
    out.push_back(fmt::format("{}: {} in the log, {} now", prefix, logged.dump(), now.dump()));
  }
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

LogRecord record_from_json(const json& value, const std::string& where) {
  LogRecord r;
  r.id = required<std::string>(value, "id", where);
  r.task = required<std::string>(value, "task", where);
  r.problem_id = required<std::string>(value, "problem_id", where);
  r.sample = required<int>(value, "sample", where);
  r.seed = required<uint64_t>(value, "seed", where);
  r.completion.id = r.id;
  r.completion.text = required<std::string>(value, "text", where);
  const std::string finish = required<std::string>(value, "finish_reason", where);
  const auto reason = inference::parse_finish_reason(finish);
  if (!reason) {
    throw std::runtime_error(fmt::format(
        "{}: field 'finish_reason': expected stop, length or error, found '{}'", where, finish));
  }
  r.completion.finish_reason = *reason;
  r.completion.prompt_tokens = required<int64_t>(value, "prompt_tokens", where);
  r.completion.completion_tokens = required<int64_t>(value, "completion_tokens", where);
  r.completion.error = required<std::string>(value, "error", where);
  if (r.id != fmt::format("{}/{}/{}", r.task, r.problem_id, r.sample)) {
    throw std::runtime_error(fmt::format("{}: field 'id': expected '{}/{}/{}', found '{}'", where,
                                         r.task, r.problem_id, r.sample, r.id));
  }
  return r;
}

std::vector<std::string> config_differences(const json& logged, const json& now) {
  std::vector<std::string> out;
  collect_differences(logged, now, "", out);
  return out;
}

LogContents read_completion_log(const fs::path& file) {
  const datasets::JsonlContents jsonl = datasets::read_jsonl(file.string());
  LogContents contents{.torn_tail = jsonl.torn_tail, .torn_tail_offset = jsonl.torn_tail_offset};
  if (jsonl.records.empty()) {
    throw std::runtime_error(fmt::format("{}: no header line (an empty or torn log)", file.string()));
  }
  const datasets::JsonlRecord& first = jsonl.records.front();
  if (string_or_empty(first.value, "type") != "header" ||
      string_or_empty(first.value, "format") != kCompletionLogFormat ||
      !first.value.contains("config")) {
    throw std::runtime_error(fmt::format(
        "{}:{}: expected a header {{\"type\":\"header\",\"format\":\"{}\",\"config\":...}}, "
        "found {}",
        file.string(), first.line, kCompletionLogFormat, first.value.dump().substr(0, 120)));
  }
  contents.header = first.value;
  for (size_t i = 1; i < jsonl.records.size(); ++i) {
    const datasets::JsonlRecord& line = jsonl.records[i];
    const std::string where = fmt::format("{}:{}", file.string(), line.line);
    if (string_or_empty(line.value, "type") != "completion") {
      throw std::runtime_error(fmt::format("{}: field 'type': expected \"completion\", found {}",
                                           where, line.value.value("type", json()).dump()));
    }
    LogRecord record = record_from_json(line.value, where);
    auto it = contents.latest.find(record.id);
    if (it != contents.latest.end() &&
        it->second.completion.finish_reason != inference::FinishReason::kError) {
      throw std::runtime_error(fmt::format(
          "{}: id '{}' is already logged with a response; a log holds each id once", where,
          record.id));
    }
    const std::string id = record.id;
    contents.latest.insert_or_assign(id, std::move(record));
    ++contents.n_records;
  }
  return contents;
}

CompletionLog CompletionLog::open(const fs::path& dir, const json& config, const json& info) {
  fs::create_directories(dir);
  CompletionLog log;
  log.path_ = dir / kCompletionLogName;
  const std::string path = log.path_.string();
  std::error_code ec;
  const bool exists = fs::exists(log.path_) && fs::file_size(log.path_, ec) > 0;
  bool fresh = !exists;
  if (exists) {
    const datasets::JsonlContents probe = datasets::read_jsonl(path);
    if (probe.records.empty() && probe.torn_tail) {
      fresh = true;  // killed while writing the header: nothing was logged
    } else {
      LogContents contents = read_completion_log(log.path_);
      const std::vector<std::string> diffs =
          config_differences(contents.header.at("config"), config);
      if (!diffs.empty()) {
        throw std::runtime_error(fmt::format(
            "{} was written by a run with a different configuration:\n  {}\nresume with the same "
            "settings, or choose another --out directory",
            path, fmt::join(diffs, "\n  ")));
      }
      if (contents.torn_tail) {
        fs::resize_file(log.path_, static_cast<uintmax_t>(contents.torn_tail_offset));
        log.dropped_torn_tail_ = true;
      }
      log.header_ = std::move(contents.header);
      log.latest_ = std::move(contents.latest);
      log.resumed_records_ = contents.n_records;
    }
  }
  log.fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (fresh ? O_TRUNC : 0),
                   0644);
  if (log.fd_ < 0) throw std::runtime_error(fmt::format("{}: cannot open: {}", path, errno_text()));
  if (fresh) {
    log.header_ = json{{"type", "header"},
                       {"format", kCompletionLogFormat},
                       {"config", config},
                       {"info", info},
                       {"created_at", utc_now()}};
    log.write_all(log.header_.dump() + "\n");
    ::fsync(log.fd_);
    // The new file's directory entry is durable only once the directory is synced too.
    if (const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
  } else {
    // A last line that parses but lacks its newline (a write cut just before it, or a hand
    // edit): terminate it so the next record starts a line of its own.
    struct stat st {};
    if (::fstat(log.fd_, &st) == 0 && st.st_size > 0) {
      char last = '\n';
      const int rfd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (rfd >= 0) {
        if (::pread(rfd, &last, 1, st.st_size - 1) != 1) last = '\n';
        ::close(rfd);
      }
      if (last != '\n') log.write_all("\n");
    }
  }
  log.last_sync_ = std::chrono::steady_clock::now();
  return log;
}

CompletionLog::CompletionLog(CompletionLog&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      header_(std::move(other.header_)),
      latest_(std::move(other.latest_)),
      resumed_records_(other.resumed_records_),
      dropped_torn_tail_(other.dropped_torn_tail_),
      last_sync_(other.last_sync_) {}

CompletionLog::~CompletionLog() {
  if (fd_ >= 0) {
    ::fsync(fd_);
    ::close(fd_);
  }
}

void CompletionLog::write_all(std::string_view bytes) {
  // One write(2) per record: O_APPEND makes it atomic with respect to the file offset, and a
  // regular file takes the whole buffer unless the disk is full or a signal interrupts it.
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(fmt::format("{}: write failed: {}", path_.string(), errno_text()));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void CompletionLog::append(const LogRecord& record) {
  // Invalid UTF-8 in a response (a model cut mid-character) is replaced, not thrown on: the
  // record must be written.
  const std::string line =
      to_json(record).dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mutex_);
  write_all(line);
  latest_.insert_or_assign(record.id, record);
  const auto now = std::chrono::steady_clock::now();
  if (now - last_sync_ >= std::chrono::seconds(1)) {
    ::fsync(fd_);
    last_sync_ = now;
  }
}

bool CompletionLog::is_done(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = latest_.find(id);
  return it != latest_.end() && it->second.completion.finish_reason != inference::FinishReason::kError;
}

}  // namespace boxed::harness
