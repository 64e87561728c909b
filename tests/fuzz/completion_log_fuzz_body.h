// One fuzz iteration of the completion-log reader and of resuming from a log, shared by the
// libFuzzer target (completion_log_fuzz.cc) and the replay test
// (tests/harness/fuzz_replay_test.cc). The input is a completions.jsonl as a crash, a kill in
// the middle of a write, two writers or an editor may leave it (torn and interleaved lines):
//   read_completion_log must read it or throw std::runtime_error naming the file and line;
//   CompletionLog::open (resume with the config of the seeds, kFuzzConfig) must open it or throw
//   std::runtime_error; once open, the file on disk must read back cleanly with the same ids,
//   without a torn tail, and a record appended must read back too.
// Anything else — another exception, a log left unreadable by open — is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "harness/completion_log.h"
#include "tests/fuzz/fuzz_support.h"

namespace boxed::fuzz {

// The config the seed logs under tests/data/fuzz/completion_log/seeds/ were written with.
inline const nlohmann::json& fuzz_log_config() {
  static const nlohmann::json config = {{"model", "tiny"}, {"seed", 1}, {"samples", 2}};
  return config;
}

inline void check_same_ids(const harness::LogContents& read, const harness::CompletionLog& log) {
  if (read.torn_tail) throw std::logic_error("CompletionLog::open left a torn tail on disk");
  if (read.latest.size() != log.latest().size()) {
    throw std::logic_error("the log on disk and CompletionLog disagree on the ids done");
  }
  for (const auto& [id, record] : log.latest()) {
    if (!read.latest.contains(id)) throw std::logic_error("an id of CompletionLog is not on disk");
  }
}

inline void fuzz_completion_log_once(const uint8_t* data, size_t size) {
  const FuzzInput in(data, size);
  const std::filesystem::path dir = scratch_dir() / "run";
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / harness::kCompletionLogName;
  write_file(file, in.rest());
  try {
    (void)harness::read_completion_log(file);
  } catch (const std::runtime_error&) {
  }
  std::optional<harness::CompletionLog> log;
  try {
    log.emplace(harness::CompletionLog::open(dir, fuzz_log_config(), nlohmann::json::object()));
  } catch (const std::runtime_error&) {
    return;
  }
  check_same_ids(harness::read_completion_log(file), *log);
  const harness::LogRecord record{
      .id = "fuzz/1/0", .task = "fuzz", .problem_id = "1", .sample = 0, .seed = 3,
      .completion = {.id = "fuzz/1/0", .text = "\\boxed{1}", .finish_reason = inference::FinishReason::kStop}};
  if (!log->is_done(record.id)) {
    log->append(record);
    const harness::LogContents after = harness::read_completion_log(file);
    check_same_ids(after, *log);
    if (after.latest.at(record.id).completion.text != record.completion.text) {
      throw std::logic_error("an appended record reads back different");
    }
  }
}

}  // namespace boxed::fuzz
