// Progress of a run for the person waiting on it: samples done/total, tokens/s now, requests in
// flight and an ETA. R1 responses take minutes each, so progress does not wait for whole
// responses: engines report tokens as they generate them (Engine::set_on_tokens), and a line is
// printed at the interval even when no response finished. On a terminal, one line redrawn in place
// (at most 10 times a second); otherwise (a log file, CI) a plain line every `interval_s`;
// `--quiet` prints nothing.
//
//   Progress progress(/*total=*/1920, /*already_done=*/640, {.max_tokens = 32768});
//   engine.set_on_tokens([&](std::string_view id, int64_t n) { progress.tokens(id, n); });
//   on_done: progress.add(c.id, c.completion_tokens, c.finish_reason == kError);
//   progress.finish();  // the last line, always printed unless quiet
//
// Rate: tokens reported in the last `rate_window_s` seconds (a response from a server that does
// not stream counts when it arrives). ETA: the tokens still to come over that rate, where each
// unfinished sample is expected to need the mean length of this session's finished samples, or
// the whole max_tokens budget until one has finished (an upper bound), less what it already has.
// Only this session's samples count, so a resumed run does not claim the logged ones as instant.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace boxed::harness {

enum class ProgressMode { kAuto, kTerminal, kLines, kQuiet };

using ProgressClock = std::chrono::steady_clock;

struct ProgressOptions {
  ProgressMode mode = ProgressMode::kAuto;  // kAuto: kTerminal when `out` is a TTY
  double interval_s = 30;                   // kLines: seconds between lines
  std::FILE* out = stderr;
  int64_t max_tokens = 0;      // per-sample budget, for the ETA before any sample has finished
  double rate_window_s = 10;   // tokens/s over this many recent seconds
  // A thread prints at the interval whether or not anything arrives. Off: only tick() and the
  // calls above print (tests drive it with a fake clock).
  bool background = true;
  std::function<ProgressClock::time_point()> clock = [] { return ProgressClock::now(); };
};

struct ProgressState {
  int64_t done = 0;  // samples finished, including those logged before this session
  int64_t total = 0;
  double tokens_per_s = 0;
  int64_t in_flight = 0;  // requests started and not finished
  double eta_s = -1;      // < 0: unknown
  int64_t errors = 0;
};

// e.g. "1234/1920 samples (64.3%) | 812 tok/s | 37 in flight | ETA 12m34s | 3 errors".
std::string format_progress(const ProgressState& state);

class Progress {
 public:
  Progress(int64_t total, int64_t already_done, ProgressOptions options);
  ~Progress();  // finish()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `new_tokens` generated for request `id` (0: it started; negative: a retry discarded a partial
  // response). Thread-safe and cheap.
  void tokens(std::string_view id, int64_t new_tokens);
  // One finished sample; its completion_tokens are authoritative (any not reported through
  // tokens() count now). Thread-safe.
  void add(std::string_view id, int64_t completion_tokens, bool error);
  // Prints a line now if the interval has passed (the background thread calls it).
  void tick();
  // Prints the final state (and ends the terminal line). Idempotent.
  void finish();

  int64_t done() const;
  ProgressState state() const;

 private:
  ProgressState state_locked(ProgressClock::time_point now) const;
  void count_tokens_locked(ProgressClock::time_point now, int64_t n);
  void maybe_print_locked(ProgressClock::time_point now);
  void print_locked(const std::string& line, bool final);

  int64_t total_;
  int64_t already_done_;
  ProgressOptions options_;
  bool terminal_ = false;
  ProgressClock::time_point start_;
  ProgressClock::time_point last_print_;
  int64_t generated_ = 0;         // finished this session
  int64_t finished_tokens_ = 0;   // their completion_tokens
  int64_t errors_ = 0;
  std::map<std::string, int64_t, std::less<>> in_flight_;  // id -> tokens so far
  std::deque<std::pair<ProgressClock::time_point, int64_t>> recent_;  // 100 ms buckets
  bool finished_ = false;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::thread ticker_;
};

}  // namespace boxed::harness
