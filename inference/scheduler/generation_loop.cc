#include "inference/scheduler/generation_loop.h"

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "inference/sampler/sampler.h"
#include "inference/scheduler/request_output.h"

namespace boxed::inference::scheduler {
namespace {

Completion error_completion(const Request& r, int64_t prompt_tokens, std::string message) {
  return Completion{.id = r.id,
                    .finish_reason = FinishReason::kError,
                    .prompt_tokens = prompt_tokens,
                    .error = std::move(message)};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

void StepExecutor::execute_and_sample(const StepPlan&, std::span<const SampleRow>,
                                      std::span<int32_t>) {
  throw std::logic_error("StepExecutor::execute_and_sample called on an executor that returns logits");
}

GenerationStats GenerationLoop::run(std::span<const Request> requests,
                                    std::span<const std::vector<int32_t>> prompts,
                                    const OnDone& on_done) {
  GenerationStats stats;
  const int64_t context = options_.context_tokens;
  // Requests that cannot be served come back at once; the others are scheduled.
  std::vector<size_t> served;
  int64_t longest = 1;
  for (size_t i = 0; i < requests.size(); ++i) {
    const Request& r = requests[i];
    const auto n_prompt = static_cast<int64_t>(prompts[i].size());
    if (std::string problem = sampler::validate(r.sampling); !problem.empty()) {
      on_done(error_completion(r, n_prompt, std::move(problem)));
    } else if (n_prompt == 0) {
      on_done(error_completion(r, 0, "the prompt is empty after templating and tokenisation"));
    } else if (n_prompt >= context) {
      on_done(error_completion(
          r, n_prompt,
          fmt::format("the prompt has {} tokens; the model's context window is {} tokens, "
                      "leaving no room for a completion",
                      n_prompt, context)));
    } else {
      served.push_back(i);
      longest = std::max(longest, std::min(context, n_prompt + r.sampling.max_tokens));
    }
  }
  if (served.empty()) return stats;

  SchedulerOptions sopt = options_.scheduler;
  if (sopt.n_blocks == 0) {
    const int64_t per_seq = (longest + sopt.block_size_tokens - 1) / sopt.block_size_tokens;
    const int64_t seqs = std::min<int64_t>(sopt.max_batch_sequences,
                                           static_cast<int64_t>(served.size()));
    sopt.n_blocks = static_cast<int32_t>(
        std::max(per_seq, std::min<int64_t>(per_seq * seqs, options_.max_cache_blocks)));
  }
  stats.n_blocks = sopt.n_blocks;
  executor_.reset_cache(sopt.n_blocks, sopt.block_size_tokens);
  Scheduler scheduler(sopt);

  struct Live {
    size_t request;
    std::unique_ptr<RequestOutput> output;
  };
  std::unordered_map<SeqId, Live> live;
  const OutputLimits limits{.eos_ids = options_.eos_ids, .context_tokens = context};
  for (size_t i : served) {
    const Request& r = requests[i];
    const SeqId id = scheduler.add(prompts[i]);
    live.emplace(id, Live{i, std::make_unique<RequestOutput>(
                                 tok_, r.sampling, static_cast<int64_t>(prompts[i].size()),
                                 limits)});
  }

  const auto vocab = static_cast<size_t>(executor_.vocab_size());
  std::vector<float> logits;
  std::vector<int32_t> sampled;
  std::vector<SampleRow> rows;
  tbb::enumerable_thread_specific<sampler::Sampler> samplers;
  while (!scheduler.done()) {
    StepPlan plan = scheduler.schedule();
    for (SeqId id : plan.failed) {
      Live& l = live.at(id);
      const Request& r = requests[l.request];
      on_done(error_completion(
          r, static_cast<int64_t>(prompts[l.request].size()),
          fmt::format("the KV cache ({} blocks of {} tokens) cannot hold this request's "
                      "{} tokens",
                      sopt.n_blocks, sopt.block_size_tokens, scheduler.tokens(id).size())));
      live.erase(id);
    }
    if (plan.empty()) continue;

    auto start = std::chrono::steady_clock::now();
    sampled.resize(plan.logit_seqs.size());
    if (executor_.samples_tokens()) {  // the executor samples; its time counts as forward time
      rows.resize(plan.logit_seqs.size());
      for (size_t j = 0; j < plan.logit_seqs.size(); ++j) {
        const Request& r = requests[live.at(plan.logit_seqs[j]).request];
        rows[j] = SampleRow{.sampling = &r.sampling, .seed = r.seed,
                            .position = static_cast<int64_t>(
                                scheduler.tokens(plan.logit_seqs[j]).size())};
      }
      executor_.execute_and_sample(plan, rows, sampled);
      stats.forward_seconds += seconds_since(start);
    } else {
      logits.resize(plan.logit_indices.size() * vocab);
      executor_.execute(plan, logits);
      stats.forward_seconds += seconds_since(start);

      start = std::chrono::steady_clock::now();
      // Rows in tasks of 8: a batch-1 decode stays on this thread instead of waking workers.
      tbb::parallel_for(tbb::blocked_range<size_t>(0, plan.logit_seqs.size(), 8),
                        [&](const tbb::blocked_range<size_t>& range) {
        sampler::Sampler& sampler = samplers.local();
        for (size_t j = range.begin(); j != range.end(); ++j) {
          const SeqId id = plan.logit_seqs[j];
          const Request& r = requests[live.at(id).request];
          // The position of the token being drawn: its index in prompt + generated.
          const auto position = static_cast<int64_t>(scheduler.tokens(id).size());
          sampled[j] = sampler.sample(std::span<const float>(logits).subspan(j * vocab, vocab),
                                      r.sampling, r.seed, position);
        }
      });
      stats.sample_seconds += seconds_since(start);
    }

    for (size_t j = 0; j < plan.logit_seqs.size(); ++j) {
      const SeqId id = plan.logit_seqs[j];
      scheduler.append(id, sampled[j]);
      Live& l = live.at(id);
      if (options_.on_tokens) options_.on_tokens(requests[l.request].id, 1);
      if (l.output->push(sampled[j])) {
        scheduler.finish(id);
        on_done(l.output->completion(requests[l.request].id));
        live.erase(id);
      }
    }
  }
  stats.scheduler = scheduler.stats();
  return stats;
}

}  // namespace boxed::inference::scheduler
