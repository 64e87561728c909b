// The progress line: its text, the token rate and ETA on a fake clock (exact values), lines at
// the interval while no response has finished, in-flight counts, tokens taken back by a retry;
// then with real threads, a slow local engine through run_requests and the openai engine against
// the slow scripted server: lines appear before any response finishes, and each id is logged once.
#include "harness/progress.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "harness/runner.h"
#include "inference/engine_factory.h"
#include "inference/tools.h"
#include "tests/support/scripted_openai_server.h"

namespace boxed::harness {
namespace {

using namespace std::chrono_literals;

std::string read_all(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  for (int c; (c = std::fgetc(f)) != EOF;) text += static_cast<char>(c);
  return text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(text.substr(start, nl - start));
  }
  return out;
}

TEST(Progress, FormatsDoneRateInFlightEtaAndErrors) {
  EXPECT_EQ(format_progress({.done = 1234, .total = 1920, .tokens_per_s = 812.4, .in_flight = 37,
                             .eta_s = 754, .errors = 3}),
            "1234/1920 samples (64.3%) | 812 tok/s | 37 in flight | ETA 12m34s | 3 errors");
  EXPECT_EQ(format_progress({.done = 0, .total = 10}),
            "0/10 samples (0.0%) | 0 tok/s | 0 in flight | ETA ?");
  EXPECT_EQ(format_progress({.done = 5, .total = 10, .tokens_per_s = 1, .eta_s = 7384, .errors = 1}),
            "5/10 samples (50.0%) | 1 tok/s | 0 in flight | ETA 2h03m | 1 error");
}

// A clock the test moves by hand.
struct FakeClock {
  ProgressClock::time_point now = ProgressClock::time_point{} + 1000s;
  std::function<ProgressClock::time_point()> fn() {
    return [this] { return now; };
  }
};

TEST(Progress, RateInFlightAndEtaFromTokensBeforeAnyResponseFinishes) {
  FakeClock clock;
  std::FILE* f = std::tmpfile();
  Progress p(4, 0, {.mode = ProgressMode::kLines, .interval_s = 1, .out = f, .max_tokens = 1000,
                    .rate_window_s = 10, .background = false, .clock = clock.fn()});
  p.tokens("a", 0);
  p.tokens("b", 0);
  EXPECT_EQ(p.state().in_flight, 2);
  // 5 s of 100 tokens/s on each of two requests: 200 tok/s.
  for (int s = 1; s <= 5; ++s) {
    clock.now += 1s;
    p.tokens("a", 100);
    p.tokens("b", 100);
    p.tick();
  }
  ProgressState st = p.state();
  EXPECT_DOUBLE_EQ(st.tokens_per_s, 200.0);
  EXPECT_EQ(st.done, 0);
  // Nothing finished: each sample is expected to use the whole budget (1000). Left: a and b
  // 500 each, two not started 1000 each = 3000 tokens at 200 tok/s.
  EXPECT_DOUBLE_EQ(st.eta_s, 15.0);
  // A line per interval although no response has finished.
  const std::vector<std::string> lines = lines_of(read_all(f));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines.back(), "boxed run: 0/4 samples (0.0%) | 200 tok/s | 2 in flight | ETA 0m15s");

  // a finishes with 600 tokens (100 more than streamed): the mean finished length (600) is now the
  // expectation. Left: b 100, two not started 600 each = 1300 tokens. Rate: 1100 tokens over 5 s.
  p.add("a", 600, false);
  st = p.state();
  EXPECT_EQ(st.done, 1);
  EXPECT_EQ(st.in_flight, 1);
  EXPECT_DOUBLE_EQ(st.tokens_per_s, 220.0);
  EXPECT_DOUBLE_EQ(st.eta_s, 1300.0 / 220.0);

  // Tokens older than the window stop counting: 10 s later with nothing new the rate is 0 and the
  // ETA unknown.
  clock.now += 11s;
  EXPECT_DOUBLE_EQ(p.state().tokens_per_s, 0.0);
  EXPECT_LT(p.state().eta_s, 0);
  p.finish();
  std::fclose(f);
}

TEST(Progress, ARetryTakesTokensBackAndAResponseNotStreamedCountsWhenItArrives) {
  FakeClock clock;
  Progress p(2, 0, {.mode = ProgressMode::kQuiet, .max_tokens = 100, .background = false,
                    .clock = clock.fn()});
  clock.now += 1s;
  p.tokens("a", 40);
  p.tokens("a", -40);  // the stream was cut; the retry starts over
  EXPECT_DOUBLE_EQ(p.state().tokens_per_s, 0.0);
  clock.now += 1s;
  p.add("b", 300, false);  // never streamed: its 300 tokens count now
  EXPECT_DOUBLE_EQ(p.state().tokens_per_s, 150.0);  // 300 tokens over the 2 s since the start
  EXPECT_EQ(p.state().in_flight, 1);
}

TEST(Progress, ModesAndTheFinalLine) {
  for (ProgressMode mode : {ProgressMode::kLines, ProgressMode::kTerminal, ProgressMode::kQuiet}) {
    std::FILE* f = std::tmpfile();
    {
      Progress p(5, 2, {.mode = mode, .interval_s = 3600, .out = f, .background = false});
      for (int i = 0; i < 3; ++i) p.add(std::to_string(i), 10, false);
      EXPECT_EQ(p.done(), 5);
      p.finish();
      p.finish();
    }
    const std::string text = read_all(f);
    std::fclose(f);
    if (mode == ProgressMode::kQuiet) {
      EXPECT_EQ(text, "");
    } else if (mode == ProgressMode::kLines) {
      EXPECT_EQ(lines_of(text).size(), 1u) << text;  // the interval never passed: the final line
      EXPECT_NE(text.find("boxed run: 5/5 samples (100.0%)"), std::string::npos) << text;
    } else {
      EXPECT_TRUE(text.starts_with("\r")) << text;  // redrawn in place
      EXPECT_TRUE(text.ends_with("\n")) << text;
    }
  }
}

// A local engine that generates slowly: each request reports a token every 10 ms for 40 tokens,
// all requests at once, and finishes only at the end.
class SlowEngine : public inference::Engine {
 public:
  inference::EngineInfo info() const override { return {.backend = "slow"}; }
  void generate(std::span<const inference::Request> requests,
                const inference::OnDone& on_done) override {
    for (const auto& r : requests) report_tokens(r.id, 0);
    for (int step = 0; step < 40; ++step) {
      std::this_thread::sleep_for(10ms);
      for (const auto& r : requests) report_tokens(r.id, 1);
    }
    for (const auto& r : requests) {
      on_done({.id = r.id, .text = "\\boxed{1}", .completion_tokens = 40});
    }
  }
};

std::vector<PlannedRequest> plan(int n) {
  std::vector<RunProblem> problems;
  for (int i = 0; i < n; ++i) {
    problems.push_back({.task = "t", .problem_id = std::to_string(i), .messages = {{"user", "q"}}});
  }
  return plan_requests(problems, 1, {.max_tokens = 100}, 0, {});
}

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("boxed_progress_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

// Lines printed while nothing had finished show "0/N samples" with a non-zero token rate.
int moving_lines_before_any_finish(const std::string& text, int n) {
  int count = 0;
  for (const std::string& line : lines_of(text)) {
    if (line.starts_with("boxed run: 0/" + std::to_string(n) + " samples") &&
        line.find(" 0 tok/s") == std::string::npos) {
      ++count;
    }
  }
  return count;
}

TEST(ProgressLive, ASlowLocalEnginePrintsLinesBeforeAnyResponseFinishes) {
  std::FILE* f = std::tmpfile();
  const auto p = plan(3);
  CompletionLog log = CompletionLog::open(fresh_dir("local"), {}, {});
  SlowEngine engine;
  Progress progress(3, 0, {.mode = ProgressMode::kLines, .interval_s = 0.05, .out = f,
                           .max_tokens = 100});
  run_requests(engine, p, log, &progress);
  progress.finish();
  const std::string text = read_all(f);
  std::fclose(f);
  EXPECT_GE(moving_lines_before_any_finish(text, 3), 3) << text;
  EXPECT_NE(text.find("3 in flight"), std::string::npos) << text;
  EXPECT_NE(text.find("3/3 samples (100.0%)"), std::string::npos) << text;
}

TEST(ProgressLive, TheCpuEngineReportsEveryTokenItGenerates) {
  const auto dir = fresh_dir("tiny_model");
  inference::make_tiny_model(dir.string(), "qwen2", 3);
  auto engine = inference::make_engine({.backend = "cpu", .model = dir.string(), .threads = 1});
  std::map<std::string, int64_t> reported;
  std::mutex mutex;
  engine->set_on_tokens([&](std::string_view id, int64_t n) {
    std::lock_guard lock(mutex);
    reported[std::string(id)] += n;
  });
  std::map<std::string, int64_t> final_tokens;
  std::vector<inference::Request> requests;
  for (int i = 0; i < 3; ++i) {
    const std::string id = "t/" + std::to_string(i) + "/0";
    requests.push_back({.id = id, .messages = {{"user", "What is 1+" + std::to_string(i) + "?"}},
                        .sampling = {.max_tokens = 12}, .seed = inference::request_seed(1, id)});
  }
  engine->generate(requests, [&](inference::Completion c) { final_tokens[c.id] = c.completion_tokens; });
  ASSERT_EQ(final_tokens.size(), 3u);
  for (const auto& [id, n] : final_tokens) {
    EXPECT_GT(n, 0) << id;
    EXPECT_EQ(reported[id], n) << id;
  }
  std::filesystem::remove_all(dir);
}

// The openai engine against a server that streams one word every 20 ms (about 0.5 s per
// response): lines move before any response finishes, streaming or not the run logs each id once.
void run_against_slow_server(bool stream) {
  testing::ScriptedOpenAiServer server({.drop_fraction = 0.3, .token_delay_ms = 20});
  auto engine = inference::make_engine({.backend = "openai",
                                        .model = "scripted",
                                        .endpoints = {server.url()},
                                        .concurrency = 8,
                                        .stream = stream});
  const auto p = plan(6);
  const auto dir = fresh_dir(stream ? "stream" : "plain");
  std::FILE* f = std::tmpfile();
  {
    CompletionLog log = CompletionLog::open(dir, {}, {});
    Progress progress(6, 0, {.mode = ProgressMode::kLines, .interval_s = 0.05, .out = f,
                             .max_tokens = 100});
    const RunStats stats = run_requests(*engine, p, log, &progress);
    progress.finish();
    EXPECT_EQ(stats.generated, 6);
    EXPECT_EQ(stats.errors, 0);
  }
  const std::string text = read_all(f);
  std::fclose(f);
  if (stream) {
    EXPECT_GE(moving_lines_before_any_finish(text, 6), 2) << text;
  }
  EXPECT_NE(text.find("in flight"), std::string::npos) << text;
  // Each id logged exactly once, though cut streams were served twice.
  CompletionLog reopened = CompletionLog::open(dir, {}, {});
  EXPECT_EQ(reopened.latest().size(), 6u);
  std::ifstream in(dir / "completions.jsonl");
  std::map<std::string, int> logged;
  for (std::string line; std::getline(in, line);) {
    const size_t at = line.find("\"id\":\"t/");
    if (at != std::string::npos) ++logged[line.substr(at, line.find('"', at + 6) - at)];
  }
  EXPECT_EQ(logged.size(), 6u);
  for (const auto& [id, n] : logged) EXPECT_EQ(n, 1) << id << " logged " << n << " times";
  int served_twice = 0;
  for (const auto& [id, n] : server.request_counts()) served_twice += n == 2;
  EXPECT_GT(served_twice, 0) << "drop_fraction 0.3 of 6 ids should cut at least one";
  std::filesystem::remove_all(dir);
}

TEST(ProgressLive, StreamingServerMovesTheLineAndCutStreamsAreLoggedOnce) { run_against_slow_server(true); }
TEST(ProgressLive, NonStreamingRunsToo) { run_against_slow_server(false); }

}  // namespace
}  // namespace boxed::harness
