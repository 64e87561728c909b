#include "inference/cpu/cpu_engine.h"

#include <fmt/format.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "inference/cpu/cpu_step_executor.h"
#include "inference/model/model.h"
#include "inference/tokenizer/chat_template.h"
#include "inference/tokenizer/tokenizer.h"

namespace boxed::inference::cpu {

struct CpuEngine::State {
  std::unique_ptr<model::Model> model;
  tokenizer::Tokenizer tokenizer;
  tokenizer::ChatTemplate chat_template;
  std::vector<int32_t> eos_ids;
  std::unique_ptr<tbb::task_arena> arena;
  std::unique_ptr<scheduler::StepExecutor> executor;
};

CpuEngine::CpuEngine(const CpuEngineOptions& options) : options_(options) {
  if (options.model_dir.empty()) {
    throw std::invalid_argument(
        fmt::format("{} backend: no model given (--model DIR)", options.backend_name));
  }
  if (options.threads < 0) {
    throw std::invalid_argument(
        fmt::format("cpu backend: threads must be >= 0 (0 = all cores), found {}",
                    options.threads));
  }
  std::unique_ptr<model::Model> model = model::Model::load(options.model_dir);
  tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(options.model_dir);
  tokenizer::ChatTemplate tmpl =
      tokenizer::ChatTemplate::load(options.model_dir, options.chat_template);
  std::vector<int32_t> eos = model->config().eos_token_ids;
  if (eos.empty() && tok.eos_id()) eos.push_back(*tok.eos_id());
  if (eos.empty()) {
    throw std::runtime_error(fmt::format(
        "{}: no end-of-sequence token: expected eos_token_id in generation_config.json or "
        "config.json, or eos_token in tokenizer_config.json; found none",
        options.model_dir));
  }
  const int threads = options.threads > 0 ? options.threads : tbb::info::default_concurrency();
  state_ = std::make_unique<State>(State{
      .model = std::move(model), .tokenizer = std::move(tok), .chat_template = tmpl,
      .eos_ids = std::move(eos), .arena = std::make_unique<tbb::task_arena>(threads),
      .executor = nullptr});
  if (options.make_executor) {
    state_->executor = options.make_executor(*state_->model);
  } else {
    state_->executor = make_step_executor(*state_->model, options.activations);
  }
}

CpuEngine::~CpuEngine() = default;

EngineInfo CpuEngine::info() const {
  const model::ModelConfig& c = state_->model->config();
  std::lock_guard lock(stats_mutex_);
  return EngineInfo{
      .backend = options_.backend_name,
      .model = options_.model_dir,
      .details = {{"architecture", std::string(model::architecture_name(c.arch))},
                  {"chat_template", std::string(state_->chat_template.name())},
                  {"threads", std::to_string(state_->arena->max_concurrency())},
                  {"arithmetic", options_.arithmetic},
                  {"weights", model::weights_description(*state_->model)},
                  {"max_batch_sequences", std::to_string(options_.max_batch_sequences)},
                  {"max_kv_cache_bytes",
                   options_.kv_cache_budget_bytes ? std::string("sized at the first run")
                                                  : std::to_string(options_.max_kv_cache_bytes)}}};
}

scheduler::GenerationStats CpuEngine::last_stats() const {
  std::lock_guard lock(stats_mutex_);
  return last_stats_;
}

void CpuEngine::generate(std::span<const Request> requests, const OnDone& on_done) {
  std::lock_guard serial(generate_mutex_);
  if (options_.kv_cache_budget_bytes) {  // once, before any KV pool is allocated
    const int64_t budget = options_.kv_cache_budget_bytes();
    std::lock_guard lock(stats_mutex_);  // info() reads these
    options_.max_kv_cache_bytes = budget;
    options_.kv_cache_budget_bytes = nullptr;
  }
  State& s = *state_;
  const model::ModelConfig& c = s.model->config();
  scheduler::GenerationStats stats;
  s.arena->execute([&] {
    // Prompts: templated and tokenised once per distinct text (n samples share one prompt). A
    // request whose messages the template refuses fails alone, as a value.
    std::vector<Request> accepted;
    std::vector<std::string> texts;
    for (const Request& r : requests) {
      try {
        texts.push_back(r.prompt.empty()
                            ? s.chat_template.apply(r.messages, /*add_generation_prompt=*/true)
                            : r.prompt);
        accepted.push_back(r);
      } catch (const std::exception& e) {
        on_done(Completion{.id = r.id, .finish_reason = FinishReason::kError,
                           .error = fmt::format("chat template: {}", e.what())});
      }
    }
    std::map<std::string, std::vector<int32_t>> encoded;
    for (const std::string& t : texts) encoded.emplace(t, std::vector<int32_t>{});
    std::vector<std::map<std::string, std::vector<int32_t>>::iterator> todo;
    for (auto it = encoded.begin(); it != encoded.end(); ++it) todo.push_back(it);
    tbb::parallel_for(size_t{0}, todo.size(), [&](size_t k) {
      todo[k]->second = s.tokenizer.encode(todo[k]->first, /*parse_special=*/true);
    });
    std::vector<std::vector<int32_t>> prompts(accepted.size());
    for (size_t i = 0; i < accepted.size(); ++i) prompts[i] = encoded.at(texts[i]);

    const int64_t block_bytes =
        static_cast<int64_t>(s.executor->kv_bytes_per_token()) * options_.block_size_tokens;
    scheduler::GenerationLoop loop(
        s.tokenizer, *s.executor,
        {.scheduler = {.block_size_tokens = options_.block_size_tokens,
                       .n_blocks = options_.n_kv_blocks,
                       .max_batch_sequences = options_.max_batch_sequences,
                       .max_batch_tokens = options_.max_batch_tokens},
         .eos_ids = s.eos_ids,
         .on_tokens = on_tokens(),
         .context_tokens = c.max_position_embeddings,
         .max_cache_blocks = static_cast<int32_t>(
             std::max<int64_t>(1, options_.max_kv_cache_bytes / block_bytes))});
    stats = loop.run(accepted, prompts, on_done);
  });
  std::lock_guard lock(stats_mutex_);
  last_stats_ = stats;
}

}  // namespace boxed::inference::cpu
