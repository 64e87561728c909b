// Progress of a run for the person waiting on it: done/total samples, generation speed in
// tokens/s and an ETA. On a terminal, one line redrawn in place (at most 10 times a second);
// otherwise (a log file, CI) a plain line at a steady interval; `--quiet` prints nothing.
//
//   Progress progress(/*total=*/1920, /*already_done=*/640, {.mode = ProgressMode::kAuto});
//   on_done: progress.add(completion.completion_tokens, completion.finish_reason == kError);
//   progress.finish();  // the last line, always printed unless quiet
//
// Speed and ETA count only this session's samples, so a resumed run does not claim the
// already-logged ones as instant work.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace boxed::harness {

enum class ProgressMode { kAuto, kTerminal, kLines, kQuiet };

struct ProgressOptions {
  ProgressMode mode = ProgressMode::kAuto;  // kAuto: kTerminal when `out` is a TTY
  double interval_s = 30;                   // kLines: seconds between lines
  std::FILE* out = stderr;
};

// The text of one progress report, e.g.
// "1234/1920 samples (64.3%) | 812 tok/s | ETA 12m34s | 3 errors". `eta_s` < 0 prints "ETA ?".
std::string format_progress(int64_t done, int64_t total, double tokens_per_s, double eta_s,
                            int64_t errors);

class Progress {
 public:
  Progress(int64_t total, int64_t already_done, ProgressOptions options);

  // One finished sample. Thread-safe.
  void add(int64_t completion_tokens, bool error);
  // Prints the final state (and ends the terminal line). Idempotent.
  void finish();

  int64_t done() const;

 private:
  std::string line_locked(std::chrono::steady_clock::time_point now) const;
  void print_locked(const std::string& line, bool final);

  int64_t total_;
  int64_t already_done_;
  ProgressOptions options_;
  bool terminal_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  int64_t generated_ = 0;
  int64_t tokens_ = 0;
  int64_t errors_ = 0;
  bool finished_ = false;
  mutable std::mutex mutex_;
};

}  // namespace boxed::harness
