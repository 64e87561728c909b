#include "harness/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace boxed::harness {
namespace {

double seconds(ProgressClock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::string format_progress(const ProgressState& s) {
  const double percent = s.total > 0
                             ? 100.0 * static_cast<double>(s.done) / static_cast<double>(s.total)
                             : 100.0;
  std::string eta = "?";
  if (s.eta_s >= 0 && std::isfinite(s.eta_s)) {
    const auto t = static_cast<int64_t>(std::llround(s.eta_s));
    eta = t >= 3600 ? fmt::format("{}h{:02}m", t / 3600, (t / 60) % 60)
                    : fmt::format("{}m{:02}s", t / 60, t % 60);
  }
  std::string line = fmt::format("{}/{} samples ({:.1f}%) | {:.0f} tok/s | {} in flight | ETA {}",
                                 s.done, s.total, percent, s.tokens_per_s, s.in_flight, eta);
  if (s.errors > 0) line += fmt::format(" | {} error{}", s.errors, s.errors == 1 ? "" : "s");
  return line;
}

Progress::Progress(int64_t total, int64_t already_done, ProgressOptions options)
    : total_(total), already_done_(already_done), options_(std::move(options)) {
  if (options_.mode == ProgressMode::kAuto) {
    options_.mode = ::isatty(::fileno(options_.out)) ? ProgressMode::kTerminal : ProgressMode::kLines;
  }
  terminal_ = options_.mode == ProgressMode::kTerminal;
  start_ = last_print_ = options_.clock();
  if (options_.background && options_.mode != ProgressMode::kQuiet) {
    // Wakes at the printing interval (a terminal line redraws twice a second) so a line appears
    // while every request is still generating.
    const double period_s = terminal_ ? 0.5 : std::max(options_.interval_s, 0.01);
    ticker_ = std::thread([this, period_s] {
      std::unique_lock lock(mutex_);
      while (!finished_) {
        wake_.wait_for(lock, std::chrono::duration<double>(period_s));
        if (!finished_) maybe_print_locked(options_.clock());
      }
    });
  }
}

Progress::~Progress() { finish(); }

void Progress::count_tokens_locked(ProgressClock::time_point now, int64_t n) {
  if (n == 0) return;
  if (!recent_.empty() && now - recent_.back().first < std::chrono::milliseconds(100)) {
    recent_.back().second += n;
  } else {
    recent_.emplace_back(now, n);
  }
  const auto window = std::chrono::duration<double>(options_.rate_window_s);
  while (!recent_.empty() && now - recent_.front().first > window) recent_.pop_front();
}

ProgressState Progress::state_locked(ProgressClock::time_point now) const {
  ProgressState s{.done = already_done_ + generated_,
                  .total = total_,
                  .in_flight = static_cast<int64_t>(in_flight_.size()),
                  .errors = errors_};
  // Rate over the window, or over the time since the start while that is shorter.
  const double span = std::min(options_.rate_window_s, seconds(now - start_));
  int64_t window_tokens = 0;
  const auto window = std::chrono::duration<double>(options_.rate_window_s);
  for (const auto& [t, n] : recent_) {
    if (now - t <= window) window_tokens += n;
  }
  s.tokens_per_s = span > 0 ? std::max<double>(0, static_cast<double>(window_tokens)) / span : 0;
  // Remaining tokens: expected length (mean finished, else the budget) less what is generated.
  const double expected = generated_ > 0 ? static_cast<double>(finished_tokens_) /
                                               static_cast<double>(generated_)
                                         : static_cast<double>(options_.max_tokens);
  const int64_t remaining = std::max<int64_t>(0, total_ - s.done);
  if (remaining == 0) {
    s.eta_s = 0;
  } else if (expected > 0 && s.tokens_per_s > 0) {
    double tokens_left = 0;
    for (const auto& [id, got] : in_flight_) {
      tokens_left += std::max(0.0, expected - static_cast<double>(got));
    }
    const int64_t not_started = std::max<int64_t>(0, remaining - s.in_flight);
    tokens_left += static_cast<double>(not_started) * expected;
    s.eta_s = tokens_left / s.tokens_per_s;
  }
  return s;
}

void Progress::print_locked(const std::string& line, bool final) {
  if (terminal_) {
    fmt::print(options_.out, "\r{}\033[K{}", line, final ? "\n" : "");  // \033[K: erase to EOL
  } else {
    fmt::print(options_.out, "boxed run: {}\n", line);
  }
  std::fflush(options_.out);
}

void Progress::maybe_print_locked(ProgressClock::time_point now) {
  if (options_.mode == ProgressMode::kQuiet || finished_) return;
  if (seconds(now - last_print_) < (terminal_ ? 0.1 : options_.interval_s)) return;
  last_print_ = now;
  print_locked(format_progress(state_locked(now)), false);
}

void Progress::tokens(std::string_view id, int64_t new_tokens) {
  std::lock_guard lock(mutex_);
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) it = in_flight_.emplace(std::string(id), 0).first;
  it->second += new_tokens;
  const auto now = options_.clock();
  count_tokens_locked(now, new_tokens);
  if (terminal_) maybe_print_locked(now);
}

void Progress::add(std::string_view id, int64_t completion_tokens, bool error) {
  std::lock_guard lock(mutex_);
  const auto now = options_.clock();
  int64_t streamed = 0;
  if (auto it = in_flight_.find(id); it != in_flight_.end()) {
    streamed = it->second;
    in_flight_.erase(it);
  }
  // Tokens the engine did not report as they came (a non-streaming server) count now; a stream
  // that reported more than the final count is corrected.
  count_tokens_locked(now, completion_tokens - streamed);
  ++generated_;
  finished_tokens_ += completion_tokens;
  errors_ += error ? 1 : 0;
  maybe_print_locked(now);
}

void Progress::tick() {
  std::lock_guard lock(mutex_);
  maybe_print_locked(options_.clock());
}

void Progress::finish() {
  {
    std::lock_guard lock(mutex_);
    if (!finished_) {
      finished_ = true;
      if (options_.mode != ProgressMode::kQuiet) {
        print_locked(format_progress(state_locked(options_.clock())), true);
      }
    }
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

int64_t Progress::done() const {
  std::lock_guard lock(mutex_);
  return already_done_ + generated_;
}

ProgressState Progress::state() const {
  std::lock_guard lock(mutex_);
  return state_locked(options_.clock());
}

}  // namespace boxed::harness
