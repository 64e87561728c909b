// `boxed bench --backend cpu --model PATH --prompts N --samples S --max-tokens M [--threads T]
// [--json]`: prefill and decode tokens/s of the engine's forward, mean step time, bytes read per
// decode step and the bandwidth that implies, beside the machine's read bandwidth measured in
// the same run.
#include <memory>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/commands.h"
#include "inference/tools.h"

namespace boxed::harness {

void add_bench_command(CLI::App& app, int& /*exit_code*/) {
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "Measure prefill and decode speed of the model forward: tokens/s, mean step time, bytes\n"
      "read per decode step and the bandwidth they imply, beside the machine's read bandwidth.");
  auto o = std::make_shared<inference::BenchOptions>();
  auto backend = std::make_shared<std::string>("cpu");
  auto json = std::make_shared<bool>(false);
  cmd->add_option("--backend", *backend, "Backend (cpu)")->check(CLI::IsMember({"cpu", "cuda"}));
  cmd->add_option("--model", o->model, "Model directory or .gguf file")->required();
  cmd->add_option("--prompts", o->prompts, "Prompts, each prefilled once")->check(CLI::PositiveNumber);
  cmd->add_option("--samples", o->samples, "Samples decoded together per prompt (batch size)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-tokens", o->max_tokens, "Decode steps per prompt")->check(CLI::PositiveNumber);
  cmd->add_option("--prompt-tokens", o->prompt_tokens, "Tokens per prompt")->check(CLI::PositiveNumber);
  cmd->add_option("--threads", o->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", *json, "Print one JSON object");
  cmd->callback([o, backend, json] {
    if (*backend != "cpu") {
      throw std::invalid_argument(fmt::format("bench: --backend {} is not implemented (cpu only)", *backend));
    }
    const inference::BenchResult r = inference::bench_cpu(*o);
    const double gb = 1e9;
    if (*json) {
      fmt::print("{}\n", nlohmann::json{
          {"backend", "cpu"}, {"model", o->model}, {"threads", r.threads}, {"prompts", o->prompts},
          {"samples", o->samples}, {"max_tokens", o->max_tokens}, {"prompt_tokens", o->prompt_tokens},
          {"prefill_tokens_per_s", r.prefill_tokens_per_s},
          {"decode_tokens_per_s", r.decode_tokens_per_s},
          {"mean_prefill_ms", r.mean_prefill_ms}, {"mean_decode_step_ms", r.mean_decode_step_ms},
          {"weight_bytes_per_step", r.weight_bytes_per_step}, {"kv_bytes_per_step", r.kv_bytes_per_step},
          {"bytes_per_decode_step", r.bytes_per_decode_step},
          {"implied_read_gb_per_s", r.implied_read_bytes_per_s / gb},
          {"machine_read_gb_per_s", r.machine_read_bytes_per_s / gb}}.dump());
      return;
    }
    fmt::print("model {} | cpu, {} threads | {} prompts x {} tokens, {} samples x {} steps\n",
               o->model, r.threads, o->prompts, o->prompt_tokens, o->samples, o->max_tokens);
    fmt::print("prefill  {:10.1f} tokens/s   mean {:.1f} ms per prompt\n", r.prefill_tokens_per_s,
               r.mean_prefill_ms);
    fmt::print("decode   {:10.1f} tokens/s   mean {:.2f} ms per step\n", r.decode_tokens_per_s,
               r.mean_decode_step_ms);
    fmt::print("bytes per decode step {:.1f} MB (weights {:.1f} MB, KV {:.1f} MB) -> {:.2f} GB/s; "
               "machine read bandwidth {:.2f} GB/s\n",
               r.bytes_per_decode_step / 1e6, r.weight_bytes_per_step / 1e6, r.kv_bytes_per_step / 1e6,
               r.implied_read_bytes_per_s / gb, r.machine_read_bytes_per_s / gb);
  });
}

}  // namespace boxed::harness
