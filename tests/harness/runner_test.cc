// The runner core: request ids and seeds, shards that partition the run exactly, resume that
// never re-requests a logged id (but retries logged errors), contract checks on the engine, and
// the progress line.
#include "harness/runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <set>

#include "tests/support/scripted_engine.h"

namespace boxed::harness {
namespace {

namespace fs = std::filesystem;
using inference::Completion;
using inference::FinishReason;
using inference::Request;

std::vector<RunProblem> problems(int n, const std::string& task = "aime24") {
  std::vector<RunProblem> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({.task = task, .problem_id = std::to_string(60 + i),
                   .messages = {{"user", "Problem " + std::to_string(i)}}});
  }
  return out;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("boxed_runner_" + std::to_string(getpid())) / name;
  fs::remove_all(dir);
  return dir;
}

TEST(Shard, ParsesIOverN) {
  EXPECT_EQ(parse_shard("0/1"), (Shard{0, 1}));
  EXPECT_EQ(parse_shard("3/4"), (Shard{3, 4}));
  for (const char* bad : {"4/4", "-1/4", "1/0", "1", "a/2", "1/2x", "/2", "1/", ""}) {
    EXPECT_THROW(parse_shard(bad), std::invalid_argument) << bad;
  }
}

TEST(PlanRequests, IdsSeedsAndOrder) {
  const auto plan = plan_requests(problems(2), 3, {.temperature = 0.6f}, 1234, {});
  ASSERT_EQ(plan.size(), 6u);
  const char* ids[] = {"aime24/60/0", "aime24/60/1", "aime24/60/2",
                       "aime24/61/0", "aime24/61/1", "aime24/61/2"};
  for (size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(plan[i].request.id, ids[i]);
    EXPECT_EQ(plan[i].request.seed, inference::request_seed(1234, ids[i]));
    EXPECT_FLOAT_EQ(plan[i].request.sampling.temperature, 0.6f);
    EXPECT_EQ(plan[i].sample, static_cast<int>(i % 3));
  }
  EXPECT_EQ(plan[4].problem_id, "61");
  EXPECT_EQ(plan[4].request.messages[0].content, "Problem 1");
  // A problem id with slashes (MATH-500's unique_id) stays whole.
  std::vector<RunProblem> math = {{.task = "math500", .problem_id = "test/algebra/1.json",
                                   .messages = {{"user", "x"}}}};
  EXPECT_EQ(plan_requests(math, 1, {}, 0, {})[0].request.id, "math500/test/algebra/1.json/0");
}

TEST(PlanRequests, RefusesBadSampleCountsAndDuplicateProblems) {
  EXPECT_THROW(plan_requests(problems(1), 0, {}, 0, {}), std::invalid_argument);
  auto twice = problems(1);
  twice.push_back(twice[0]);
  EXPECT_THROW(plan_requests(twice, 1, {}, 0, {}), std::invalid_argument);
}

TEST(PlanRequests, ShardsPartitionTheRunExactlyWithSameSeeds) {
  const auto all = plan_requests(problems(7), 5, {}, 9, {});
  std::map<std::string, uint64_t> seeds;
  for (const auto& p : all) seeds[p.request.id] = p.request.seed;
  for (int n = 1; n <= 6; ++n) {
    std::set<std::string> union_ids;
    for (int i = 0; i < n; ++i) {
      const auto shard = plan_requests(problems(7), 5, {}, 9, {i, n});
      EXPECT_GE(shard.size(), all.size() / n);
      EXPECT_LE(shard.size(), (all.size() + n - 1) / n);
      for (const auto& p : shard) {
        EXPECT_TRUE(union_ids.insert(p.request.id).second) << p.request.id << " in two shards";
        EXPECT_EQ(p.request.seed, seeds.at(p.request.id));
      }
    }
    EXPECT_EQ(union_ids.size(), all.size()) << n << " shards";
  }
}

Completion answer(const Request& r) {
  return Completion{.text = "\\boxed{" + std::to_string(r.seed % 4) + "}", .completion_tokens = 5};
}

TEST(RunRequests, LogsEveryCompletionOnceAndResumeSkipsLoggedIds) {
  const fs::path dir = fresh_dir("resume");
  const auto plan = plan_requests(problems(4), 8, {}, 5, {});
  const nlohmann::json config = {{"seed", 5}};
  {
    // A first session that only got through the first problem.
    CompletionLog log = CompletionLog::open(dir, config, {});
    testing::ScriptedEngine engine(answer);
    const RunStats stats = run_requests(engine, std::span(plan).first(8), log, nullptr);
    EXPECT_EQ(stats.generated, 8);
  }
  CompletionLog log = CompletionLog::open(dir, config, {});
  testing::ScriptedEngine engine(answer);
  const RunStats stats = run_requests(engine, plan, log, nullptr);
  EXPECT_EQ(stats.planned, 32);
  EXPECT_EQ(stats.already_done, 8);
  EXPECT_EQ(stats.generated, 24);
  EXPECT_EQ(stats.completion_tokens, 24 * 5);
  for (const auto& p : plan) {
    EXPECT_EQ(engine.times_generated(p.request.id), p.problem_id == "60" ? 0 : 1) << p.request.id;
    const LogRecord& r = log.latest().at(p.request.id);
    EXPECT_EQ(r.completion.text, answer(p.request).text);
    EXPECT_EQ(r.seed, p.request.seed);
    EXPECT_EQ(r.task, "aime24");
  }
  EXPECT_EQ(read_completion_log(dir / "completions.jsonl").n_records, 32);
}

TEST(RunRequests, LoggedErrorsAreRequestedAgainOnResume) {
  const fs::path dir = fresh_dir("errors");
  const auto plan = plan_requests(problems(1), 4, {}, 5, {});
  int calls = 0;
  {
    CompletionLog log = CompletionLog::open(dir, {}, {});
    testing::ScriptedEngine failing([&](const Request& r) {
      if (r.id.ends_with("/2")) return Completion{.finish_reason = FinishReason::kError, .error = "HTTP 503"};
      return answer(r);
    }, 1);
    const RunStats stats = run_requests(failing, plan, log, nullptr);
    EXPECT_EQ(stats.errors, 1);
  }
  CompletionLog log = CompletionLog::open(dir, {}, {});
  testing::ScriptedEngine engine([&](const Request& r) { ++calls; return answer(r); }, 1);
  const RunStats stats = run_requests(engine, plan, log, nullptr);
  EXPECT_EQ(stats.already_done, 3);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(engine.times_generated("aime24/60/2"), 1);
  EXPECT_EQ(log.latest().at("aime24/60/2").completion.finish_reason, FinishReason::kStop);
}

// An engine that breaks the contract by answering one request twice.
class DoubleEngine : public inference::Engine {
 public:
  inference::EngineInfo info() const override { return {.backend = "double"}; }
  void generate(std::span<const Request> requests, const inference::OnDone& on_done) override {
    for (const Request& r : requests) on_done(Completion{.id = r.id});
    on_done(Completion{.id = requests[0].id});
  }
};

TEST(RunRequests, AnEngineAnsweringTwiceIsAContractError) {
  CompletionLog log = CompletionLog::open(fresh_dir("double"), {}, {});
  DoubleEngine engine;
  EXPECT_THROW(run_requests(engine, plan_requests(problems(1), 2, {}, 0, {}), log, nullptr),
               std::runtime_error);
}

// Progress itself (rate, ETA, in-flight, lines at the interval) is tested in progress_test.cc.

}  // namespace
}  // namespace boxed::harness
