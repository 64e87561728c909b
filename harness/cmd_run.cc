// `boxed run`: generate responses for one or more tasks with an inference backend, log each the
// moment it arrives (resumable), then score and write the reports. Defaults are the DeepSeek-R1
// evaluation protocol (DeepSeek-R1 paper, section 3.1; model card "Usage Recommendations"):
// 64 samples, temperature 0.6, top-p 0.95, 32,768 new tokens.
#include <memory>
#include <string>

#include "harness/commands.h"
#include "harness/run_command.h"

namespace boxed::harness {

void add_run_command(CLI::App& app, int& /*exit_code*/) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Generate responses for tasks with an inference backend, then score them and write\n"
      "report.json, samples.jsonl and report.md into --out. One request per sample, id\n"
      "task/problem/sample, seeded from --seed and that id (same seed and settings, same\n"
      "requests, whatever the backend's batching or --concurrency). Every response is appended\n"
      "to OUT/completions.jsonl the moment it arrives: rerunning the same command resumes,\n"
      "never requesting a logged id again, and refuses a log written with other settings.\n"
      "Defaults are the DeepSeek-R1 protocol: 64 samples, temperature 0.6, top-p 0.95, 32768\n"
      "new tokens.");
  cmd->option_defaults()->always_capture_default();  // --help shows each default
  cmd->add_option("--task", a->tasks,
                  "Task names, comma-separated: aime24, aime25, amc23, "
                  "math500, gpqa_diamond")
      ->required()
      ->delimiter(',');
  cmd->add_option("--dataset", a->datasets,
                  "Dataset files: one per task in --task order, or TASK=FILE (repeat the "
                  "option); default: the built-in copy (aime24, aime25, amc23, math500; see "
                  "`boxed tasks`)");
  cmd->add_option("--out", a->out,
                  "Run directory: completions.jsonl and the reports (created; "
                  "an existing one is resumed)")
      ->required();
  cmd->add_option("--model", a->model,
                  "Model directory or GGUF file (cpu/cuda); for openai "
                  "with --raw-prompt, where the chat template is read from");
  cmd->add_option("--backend", a->backend,
                  "auto (cuda when a device is visible, else cpu), cpu, "
                  "cuda, openai, or replay")
      ->check(CLI::IsMember({"auto", "cpu", "cuda", "openai", "replay"}));
  cmd->add_option("--samples", a->samples, "Responses per problem (n of pass@1 and cons@n)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--temperature", a->temperature, "Sampling temperature; 0 = greedy");
  cmd->add_option("--top-p", a->top_p, "Nucleus sampling mass; 1 = off");
  cmd->add_option("--top-k", a->top_k, "Keep the k most likely tokens; 0 = off");
  cmd->add_option("--min-p", a->min_p,
                  "Drop tokens below min-p times the top probability; 0 = off");
  cmd->add_option("--max-tokens", a->max_tokens, "New tokens per response")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", a->seed,
                  "Run seed: request seeds and GPQA choice shuffles derive from it");
  cmd->add_option("--limit", a->limit, "Only the first N problems of each task; 0 = all")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--shard", a->shard,
                  "Run shard I of N (I/N, 0-based): request k of the run, in "
                  "task/problem/sample order, belongs to shard k mod N; no report is written, "
                  "combine the shard directories with `boxed merge`");
  cmd->add_option("--endpoint", a->endpoints,
                  "openai: base URL of an OpenAI-compatible server, "
                  "e.g. http://gpu1:8000 (repeat for several; requests spread over them)");
  cmd->add_option("--api-key-env", a->api_key_env,
                  "openai: name of the environment variable "
                  "holding the API key (sent as a Bearer token)");
  cmd->add_option("--model-name", a->model_name,
                  "openai: the served model name; default: the "
                  "first model of the server's /v1/models");
  cmd->add_option("--concurrency", a->concurrency, "openai: requests in flight over all endpoints")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--request-timeout", a->request_timeout_s,
                  "openai: seconds one attempt may take");
  cmd->add_option("--max-retries", a->max_retries,
                  "openai: retries of a request on 429, 5xx, "
                  "timeouts and dropped connections, with exponential backoff")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--raw-prompt", a->raw_prompt,
                "openai: send the fully templated prompt (chat "
                "template of --model or --chat-template, with the forced <think>) to "
                "/v1/completions instead of messages to /v1/chat/completions");
  cmd->add_flag("--no-stream", a->no_stream,
                "openai: ask for whole answers instead of server-sent events (progress then "
                "counts a response's tokens only when it finishes)");
  cmd->add_option("--chat-template", a->chat_template,
                  "Chat template override: deepseek-r1, "
                  "chatml, qwen2.5, smollm, llama3, raw, or a file");
  cmd->add_option("--threads", a->threads, "cpu: worker threads; 0 = all cores");
  cmd->add_option("--cpu-activations", a->cpu_activations,
                  "cpu: f32 (default; the exact reference, bit-identical whatever the batch) or q8 "
                  "(matmuls over GGML blocks with int8 activations, as llama.cpp computes: "
                  "faster, not bit-exact; recorded in the report)")
      ->check(CLI::IsMember({"f32", "q8"}));
  cmd->add_option("--kv-cache-dtype", a->kv_cache_dtype,
                  "cuda: bf16 (auto: the default; K and V rounded as they are written, half the "
                  "bytes; recorded in the report) or f32 (the values the cpu backend's exact cache holds); cpu: f32 only")
      ->check(CLI::IsMember({"auto", "bf16", "f32"}));
  cmd->add_option("--from", a->from,
                  "replay: the run directory (or completions.jsonl) whose "
                  "responses are re-graded instead of generated");
  cmd->add_option("--field", a->fields,
                  "Dataset field mapping CANONICAL=NAME_IN_FILE (repeatable)");
  cmd->add_flag("--allow-partial", a->allow_partial,
                "Score problems with fewer than --samples "
                "responses, marked partial");
  cmd->add_flag("--no-text", a->no_text, "Leave response text out of samples.jsonl");
  cmd->add_flag("--quiet", a->quiet, "No progress output");
  cmd->add_option("--progress-interval", a->progress_interval_s,
                  "Seconds between progress lines "
                  "when stderr is not a terminal");
  cmd->callback([a, cmd] {
    a->argv = {"boxed", "run"};
    for (const CLI::Option* opt : cmd->get_options()) {
      if (opt->count() == 0 || opt->get_lnames().empty()) continue;
      for (const std::string& value : opt->results()) {
        a->argv.push_back("--" + opt->get_lnames().front());
        if (opt->get_type_size_max() != 0) a->argv.push_back(value);
      }
    }
    run_evaluation(*a);
  });
}

}  // namespace boxed::harness
