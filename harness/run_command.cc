#include "harness/run_command.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <memory>

#include "harness/run_setup.h"
#include "inference/engine_factory.h"
#include "inference/tools.h"
#include "reports/report_markdown.h"
#include "reports/run_report.h"

namespace boxed::harness {

void run_evaluation(const RunArgs& a) {
  const Shard shard = a.shard.empty() ? Shard{} : parse_shard(a.shard);
  inference::EngineOptions engine_options{.backend = a.backend,
                                          .model = a.backend == "openai" ? a.model_name : a.model,
                                          .threads = a.threads,
                                          .chat_template = a.chat_template,
                                          .cpu_activations = a.cpu_activations,
                                          .kv_cache_dtype = a.kv_cache_dtype,
                                          .endpoints = a.endpoints,
                                          .concurrency = a.concurrency,
                                          .raw_prompt = a.raw_prompt,
                                          .request_timeout_s = a.request_timeout_s,
                                          .max_retries = a.max_retries,
                                          .stream = !a.no_stream,
                                          .replay_from = a.from};
  if (!a.api_key_env.empty()) {
    const char* key = std::getenv(a.api_key_env.c_str());
    if (!key || !*key) {
      throw std::invalid_argument(
          fmt::format("--api-key-env {}: that environment variable is not set", a.api_key_env));
    }
    engine_options.api_key = key;
  }
  LoadOptions load{
      .seed = a.seed, .limit = a.limit, .fields = datasets::parse_field_mappings(a.fields)};
  if (a.raw_prompt) {
    load.render_prompt = [&a](const std::vector<inference::Message>& messages) {
      return inference::render_chat_prompt(a.model, messages, a.chat_template);
    };
  }
  const RunTasks tasks = load_run_tasks(pair_tasks(a.tasks, a.datasets), load);
  const inference::SamplingParams sampling{.temperature = a.temperature,
                                           .top_p = a.top_p,
                                           .top_k = a.top_k,
                                           .min_p = a.min_p,
                                           .max_tokens = a.max_tokens};
  const std::vector<PlannedRequest> plan =
      plan_requests(tasks.problems, a.samples, sampling, a.seed, shard);

  std::unique_ptr<inference::Engine> engine = inference::make_engine(engine_options);
  const inference::EngineInfo info = engine->info();
  // Everything that changes what the responses are; a resume must match it exactly.
  const nlohmann::json config = {{"tasks", tasks.config},
                                 {"model", info.model},
                                 {"prompt_mode", a.raw_prompt ? "raw" : "chat"},
                                 {"chat_template", a.chat_template},
                                 {"sampling",
                                  {{"temperature", shortest_decimal(sampling.temperature)},
                                   {"top_p", shortest_decimal(sampling.top_p)},
                                   {"top_k", sampling.top_k},
                                   {"min_p", shortest_decimal(sampling.min_p)},
                                   {"max_tokens", sampling.max_tokens}}},
                                 {"samples", a.samples},
                                 {"seed", a.seed},
                                 {"limit", a.limit},
                                 {"shard", {{"index", shard.index}, {"count", shard.count}}},
                                 {"fields", load.fields}};
  nlohmann::json datasets = nlohmann::json::object();
  for (size_t i = 0; i < tasks.inputs.size(); ++i) {
    datasets[tasks.inputs[i].task] = tasks.datasets[i].path;  // "built-in:<task>" when built in
  }
  const nlohmann::json log_info = {
      {"backend", info.backend}, {"engine_details", info.details}, {"datasets", datasets}};
  CompletionLog log = CompletionLog::open(a.out, config, log_info);
  if (log.dropped_torn_tail() && !a.quiet) {
    fmt::print(stderr, "boxed run: dropped a torn last line of {} (left by a kill)\n",
               log.path().string());
  }

  int64_t already = 0;
  for (const PlannedRequest& p : plan) already += log.is_done(p.request.id);
  Progress progress(static_cast<int64_t>(plan.size()), already,
                    {.mode = a.quiet ? ProgressMode::kQuiet : ProgressMode::kAuto,
                     .interval_s = a.progress_interval_s,
                     .max_tokens = a.max_tokens});
  const RunStats stats = run_requests(*engine, plan, log, &progress);
  progress.finish();
  if (!a.quiet) {
    fmt::print(stderr,
               "boxed run: {} requests, {} already logged, {} generated ({} errors), {} tokens in "
               "{:.1f} s\n",
               stats.planned, stats.already_done, stats.generated, stats.errors,
               stats.completion_tokens, stats.seconds);
  }
  if (shard.count > 1) {
    fmt::print("shard {}/{} complete: {}; combine the shards with `boxed merge`\n", shard.index,
               shard.count, log.path().string());
    return;
  }
  RunIdentity identity{.engine = info,
                       .sampling = sampling,
                       .seed = a.seed,
                       .command_line = a.argv,
                       .generation_seconds = stats.seconds};
  const ScoreOptions score_options{.n_samples = a.samples,
                                   .allow_partial = a.allow_partial,
                                   .include_text = !a.no_text,
                                   .fields = load.fields};
  const nlohmann::json report = score_log(tasks, log.latest(), identity, score_options, a.out);
  for (const reports::TaskReport& t : reports::report_from_json(report, "report").tasks) {
    const reports::ModeMetrics& p = t.primary();
    fmt::print("{}: pass@1 {}% [{}, {}], cons@{} {}% ({} problems x {} samples)\n", t.task,
               reports::percent(p.pass_at_1.value), reports::percent(p.pass_at_1.ci_lower),
               reports::percent(p.pass_at_1.ci_upper), t.n_samples, reports::percent(p.cons_at_n),
               t.n_problems, t.n_samples);
  }
  fmt::print("report: {}/report.md\n", a.out);
}

}  // namespace boxed::harness
