// The completion log of a run: DIR/completions.jsonl, append-only, one JSON line per finished
// request, written the moment the engine hands the completion over. It is what makes a run
// resumable: reopening the same DIR reads back every id already done, so those are never
// requested again.
//
//   CompletionLog log = CompletionLog::open(out_dir, config, info);  // creates or resumes
//   if (!log.is_done(id)) pending.push_back(request);
//   engine->generate(pending, [&](Completion c) { log.append(record_for(c)); });
//
// Format "boxed-completions/1":
//   line 1  {"type":"header","format":"boxed-completions/1","config":{...},"info":{...},
//            "created_at":"..."}
//   then    {"type":"completion","id":"aime24/7/13","task":"aime24","problem_id":"7","sample":13,
//            "seed":...,"text":"...","finish_reason":"stop","prompt_tokens":..,
//            "completion_tokens":..,"error":""}
// `config` is everything that changes what the responses are (model, sampling, template, dataset
// hashes, tasks, samples, seed, shard); reopening with a different config is refused with a
// message naming each difference. `info` (dataset paths, backend, endpoints) is kept but may
// differ on resume.
//
// Durability: each record is one write(2) on an O_APPEND descriptor with no user-space buffer, so
// a killed process (SIGKILL, OOM, crash) loses only the responses still in flight. fsync(2) runs
// at most once per second on append and at close, bounding what a power loss can take at about
// a second of responses without paying a disk flush per record. A kill in the middle of a write
// leaves a torn last line: open() detects it, truncates it away, and that request runs again.
//
// An id may appear twice only when its first record is an error (a failed request, retried on
// resume); the last record wins. Any other repeat is refused as corruption.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "inference/engine.h"

namespace boxed::harness {

inline constexpr const char* kCompletionLogFormat = "boxed-completions/1";
inline constexpr const char* kCompletionLogName = "completions.jsonl";

struct LogRecord {
  std::string id;  // task/problem/sample
  std::string task;
  std::string problem_id;
  int sample = 0;
  uint64_t seed = 0;
  inference::Completion completion;
};

nlohmann::json to_json(const LogRecord& record);
// Throws std::runtime_error naming `where` and the field for a malformed record.
LogRecord record_from_json(const nlohmann::json& value, const std::string& where);

// "key: 'a' in the log, 'b' now" for every top-level or nested key that differs; empty if equal.
std::vector<std::string> config_differences(const nlohmann::json& logged,
                                            const nlohmann::json& now);

// What a log file holds, read without opening it for writing (merge, replay checks).
struct LogContents {
  nlohmann::json header;                    // the header line
  std::map<std::string, LogRecord> latest;  // by id, the last record of each id
  int64_t n_records = 0;                    // completion lines read
  bool torn_tail = false;
  int64_t torn_tail_offset = 0;
};
// Throws for a missing file, a missing/invalid header, a malformed line (file:line), or an id
// repeated after a non-error record.
LogContents read_completion_log(const std::filesystem::path& file);

class CompletionLog {
 public:
  // Creates dir/completions.jsonl with a header, or resumes it: checks the header's config against
  // `config` (std::runtime_error listing the differences), drops a torn last line, loads records.
  static CompletionLog open(const std::filesystem::path& dir, const nlohmann::json& config,
                            const nlohmann::json& info);
  CompletionLog(CompletionLog&& other) noexcept;
  CompletionLog& operator=(CompletionLog&&) = delete;
  CompletionLog(const CompletionLog&) = delete;
  ~CompletionLog();  // fsyncs and closes; never throws

  // Thread-safe. Throws std::runtime_error (naming the file) when the write fails.
  void append(const LogRecord& record);

  // True when the id has a record that is not an error.
  bool is_done(const std::string& id) const;
  // The latest record per id (as read at open, plus what was appended since).
  const std::map<std::string, LogRecord>& latest() const { return latest_; }
  const nlohmann::json& header() const { return header_; }
  int64_t resumed_records() const { return resumed_records_; }  // records found at open
  bool dropped_torn_tail() const { return dropped_torn_tail_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  CompletionLog() = default;
  void write_all(std::string_view bytes);

  std::filesystem::path path_;
  int fd_ = -1;
  nlohmann::json header_;
  std::map<std::string, LogRecord> latest_;
  int64_t resumed_records_ = 0;
  bool dropped_torn_tail_ = false;
  std::chrono::steady_clock::time_point last_sync_;
  mutable std::mutex mutex_;
};

}  // namespace boxed::harness
