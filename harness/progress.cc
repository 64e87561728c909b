#include "harness/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>

namespace boxed::harness {

std::string format_progress(int64_t done, int64_t total, double tokens_per_s, double eta_s,
                            int64_t errors) {
  const double percent = total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total)
                                   : 100.0;
  std::string eta = "?";
  if (eta_s >= 0 && std::isfinite(eta_s)) {
    const auto s = static_cast<int64_t>(std::llround(eta_s));
    eta = s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60)
                    : fmt::format("{}m{:02}s", s / 60, s % 60);
  }
  std::string line = fmt::format("{}/{} samples ({:.1f}%) | {:.0f} tok/s | ETA {}", done, total,
                                 percent, tokens_per_s, eta);
  if (errors > 0) line += fmt::format(" | {} error{}", errors, errors == 1 ? "" : "s");
  return line;
}

Progress::Progress(int64_t total, int64_t already_done, ProgressOptions options)
    : total_(total), already_done_(already_done), options_(options) {
  if (options_.mode == ProgressMode::kAuto) {
    options_.mode = ::isatty(::fileno(options_.out)) ? ProgressMode::kTerminal : ProgressMode::kLines;
  }
  terminal_ = options_.mode == ProgressMode::kTerminal;
  start_ = last_print_ = std::chrono::steady_clock::now();
}

std::string Progress::line_locked(std::chrono::steady_clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(tokens_) / elapsed : 0;
  const int64_t done = already_done_ + generated_;
  const double eta = generated_ > 0 ? elapsed * static_cast<double>(total_ - done) /
                                          static_cast<double>(generated_)
                                    : -1;
  return format_progress(done, total_, rate, eta, errors_);
}

void Progress::print_locked(const std::string& line, bool final) {
  if (terminal_) {
    fmt::print(options_.out, "\r{}\033[K{}", line, final ? "\n" : "");  // \033[K: erase to EOL
  } else {
    fmt::print(options_.out, "boxed run: {}\n", line);
  }
  std::fflush(options_.out);
}

void Progress::add(int64_t completion_tokens, bool error) {
  std::lock_guard lock(mutex_);
  ++generated_;
  tokens_ += completion_tokens;
  errors_ += error ? 1 : 0;
  if (options_.mode == ProgressMode::kQuiet || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_print_).count();
  if (since < (terminal_ ? 0.1 : options_.interval_s)) return;
  last_print_ = now;
  print_locked(line_locked(now), false);
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (options_.mode == ProgressMode::kQuiet) return;
  print_locked(line_locked(std::chrono::steady_clock::now()), true);
}

int64_t Progress::done() const {
  std::lock_guard lock(mutex_);
  return already_done_ + generated_;
}

}  // namespace boxed::harness
