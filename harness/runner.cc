#include "harness/runner.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

namespace boxed::harness {

Shard parse_shard(std::string_view text) {
  auto fail = [&] {
    return std::invalid_argument(
        fmt::format("--shard '{}': expected I/N with 0 <= I < N, e.g. 0/4", text));
  };
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) throw fail();
  Shard shard;
  const std::string_view i = text.substr(0, slash), n = text.substr(slash + 1);
  auto parse = [&](std::string_view s, int& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) throw fail();
  };
  parse(i, shard.index);
  parse(n, shard.count);
  if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count) throw fail();
  return shard;
}

std::string request_id(std::string_view task, std::string_view problem_id, int sample) {
  return fmt::format("{}/{}/{}", task, problem_id, sample);
}

std::vector<PlannedRequest> plan_requests(std::span<const RunProblem> problems, int n_samples,
                                          const inference::SamplingParams& sampling,
                                          uint64_t run_seed, Shard shard) {
  if (n_samples < 1) {
    throw std::invalid_argument(fmt::format("--samples must be at least 1, found {}", n_samples));
  }
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<PlannedRequest> plan;
  int64_t number = 0;
  for (const RunProblem& problem : problems) {
    if (!seen.emplace(problem.task, problem.problem_id).second) {
      throw std::invalid_argument(fmt::format("task '{}' has two problems with id '{}'",
                                              problem.task, problem.problem_id));
    }
    for (int s = 0; s < n_samples; ++s, ++number) {
      if (number % shard.count != shard.index) continue;
      PlannedRequest p{.task = problem.task, .problem_id = problem.problem_id, .sample = s};
      p.request.id = request_id(problem.task, problem.problem_id, s);
      p.request.messages = problem.messages;
      p.request.prompt = problem.prompt;
      p.request.sampling = sampling;
      p.request.seed = inference::request_seed(run_seed, p.request.id);
      plan.push_back(std::move(p));
    }
  }
  return plan;
}

RunStats run_requests(inference::Engine& engine, std::span<const PlannedRequest> plan,
                      CompletionLog& log, Progress* progress) {
  const auto start = std::chrono::steady_clock::now();
  RunStats stats{.planned = static_cast<int64_t>(plan.size())};
  std::vector<inference::Request> pending;
  std::map<std::string, const PlannedRequest*> by_id;
  for (const PlannedRequest& p : plan) {
    if (log.is_done(p.request.id)) {
      ++stats.already_done;
      continue;
    }
    by_id.emplace(p.request.id, &p);
    pending.push_back(p.request);
  }
  std::mutex mutex;
  std::set<std::string> answered;
  // Tokens as they are generated move the progress line; detached again however generate ends.
  struct Detach {
    inference::Engine& engine;
    ~Detach() { engine.set_on_tokens({}); }
  } detach{engine};
  if (progress) {
    engine.set_on_tokens([progress](std::string_view id, int64_t n) { progress->tokens(id, n); });
  }
  engine.generate(pending, [&](inference::Completion completion) {
    const PlannedRequest* p = nullptr;
    {
      std::lock_guard lock(mutex);
      auto it = by_id.find(completion.id);
      if (it == by_id.end()) {
        throw std::runtime_error(
            fmt::format("engine returned a completion for '{}', which was not requested",
                        completion.id));
      }
      if (!answered.insert(completion.id).second) {
        throw std::runtime_error(
            fmt::format("engine returned '{}' twice; each request is answered once", completion.id));
      }
      p = it->second;
      ++stats.generated;
      stats.errors += completion.finish_reason == inference::FinishReason::kError;
      stats.completion_tokens += completion.completion_tokens;
    }
    const bool error = completion.finish_reason == inference::FinishReason::kError;
    const int64_t tokens = completion.completion_tokens;
    log.append(LogRecord{.id = p->request.id,
                         .task = p->task,
                         .problem_id = p->problem_id,
                         .sample = p->sample,
                         .seed = p->request.seed,
                         .completion = std::move(completion)});
    if (progress) progress->add(p->request.id, tokens, error);
  });
  if (answered.size() != pending.size()) {
    throw std::runtime_error(fmt::format("engine answered {} of {} requests", answered.size(),
                                         pending.size()));
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace boxed::harness
