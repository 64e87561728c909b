// The task runner's core: problems × samples → engine requests, and a resumable drive of the
// engine that persists every completion the moment it arrives.
//
//   std::vector<PlannedRequest> plan = plan_requests(problems, 64, sampling, seed, shard);
//   CompletionLog log = CompletionLog::open(out_dir, config, info);
//   RunStats stats = run_requests(*engine, plan, log, &progress);   // skips ids already logged
//
// Request ids are "task/problem/sample" (sample 0-based); each request's seed is
// inference::request_seed(run_seed, id), so it depends on nothing but the run seed and the id —
// not on the order, the shard, the concurrency or whether the run was resumed.
//
// Sharding (--shard I/N): requests are numbered in plan order (task, then problem in dataset
// order, then sample) and shard I takes those whose number modulo N is I. Every shard gets
// floor or ceil of total/N requests, and the N shards together are the whole run exactly once.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/completion_log.h"
#include "harness/progress.h"
#include "inference/engine.h"

namespace boxed::harness {

// One problem's prompt, as the engine will see it.
struct RunProblem {
  std::string task;
  std::string problem_id;
  std::vector<inference::Message> messages;
  std::string prompt;  // the templated prompt for raw-prompt mode, else empty
};

struct Shard {
  int index = 0;
  int count = 1;
  bool operator==(const Shard&) const = default;
};
// Parses "I/N" with 0 <= I < N; throws std::invalid_argument quoting the text otherwise.
Shard parse_shard(std::string_view text);

struct PlannedRequest {
  inference::Request request;
  std::string task;
  std::string problem_id;
  int sample = 0;
};

// "task/problem/sample".
std::string request_id(std::string_view task, std::string_view problem_id, int sample);

// Every (problem, sample) in order, filtered to the shard. Throws std::invalid_argument for
// n_samples < 1 or two problems with the same (task, id).
std::vector<PlannedRequest> plan_requests(std::span<const RunProblem> problems, int n_samples,
                                          const inference::SamplingParams& sampling,
                                          uint64_t run_seed, Shard shard);

struct RunStats {
  int64_t planned = 0;        // requests in the plan
  int64_t already_done = 0;   // found in the log at start, not requested
  int64_t generated = 0;      // completions received in this session
  int64_t errors = 0;         // of those, kError
  int64_t completion_tokens = 0;
  double seconds = 0;
};

// Sends the plan's requests not yet done in `log` to the engine and appends each completion to
// the log as it arrives. Throws std::runtime_error if the engine breaks the contract (an unknown
// id, or one answered twice); engine failures propagate, with everything finished so far logged.
RunStats run_requests(inference::Engine& engine, std::span<const PlannedRequest> plan,
                      CompletionLog& log, Progress* progress);

}  // namespace boxed::harness
