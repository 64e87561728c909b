// `boxed bench --backend cpu|cuda --model PATH --prompts N --samples S --max-tokens M
// [--threads T] [--json]`: prefill and decode tokens/s of a backend's forward, mean step time,
// bytes read per decode step and the bandwidth that implies, beside the memory bandwidth measured
// in the same run (inference/tools_bench.cc has the method).
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/commands.h"
#include "inference/tools.h"

namespace boxed::harness {

void add_bench_command(CLI::App& app, int& /*exit_code*/) {
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "Measure prefill and decode speed of a backend's forward: tokens/s, mean step time, bytes\n"
      "read per decode step and the bandwidth they imply, beside the memory bandwidth measured in\n"
      "the same run (cpu: the machine's read bandwidth; cuda: a device-to-device copy's, with\n"
      "the peak device memory). Prompts are seeded-random ids; S samples share each prompt's KV\n"
      "blocks, as boxed samples. One untimed warm-up prompt runs first.");
  auto o = std::make_shared<inference::BenchOptions>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("--backend", o->backend,
                  "cpu, or cuda: the GPU when one is visible (the CUDA emulation in a\n"
                  "BOXED_CUDA=EMULATE build)")
      ->check(CLI::IsMember({"cpu", "cuda"}))
      ->capture_default_str();
  cmd->add_option("--model", o->model, "Model directory or .gguf file")->required();
  cmd->add_option("--prompts", o->prompts, "Prompts, each prefilled once")
      ->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--samples", o->samples, "Samples decoded together per prompt (batch size)")
      ->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--max-tokens", o->max_tokens, "Decode steps per prompt")
      ->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--prompt-tokens", o->prompt_tokens, "Tokens per prompt")
      ->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--threads", o->threads, "CPU threads (0 = all cores)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--cpu-activations", o->cpu_activations,
                  "cpu: f32 (the exact reference) or q8 (matmuls over GGML blocks with int8 "
                  "activations, as llama.cpp computes; faster, not bit-exact)")
      ->check(CLI::IsMember({"f32", "q8"}))->capture_default_str();
  cmd->add_option("--kv-cache-dtype", o->kv_cache_dtype,
                  "cuda: bf16 (auto: the default; K and V rounded as they are written, half the "
                  "bytes) or f32 (the values the cpu backend's exact cache holds); cpu: f32 only")
      ->check(CLI::IsMember({"auto", "bf16", "f32"}))->capture_default_str();
  cmd->add_flag("--json", *json, "Print one JSON object");
  cmd->callback([o, json] {
    const inference::BenchResult r = inference::bench_forward(*o);
    const double gb = 1e9;
    const double ratio = r.implied_read_bytes_per_s / r.bandwidth_bytes_per_s;
    if (*json) {
      nlohmann::json j{
          {"backend", r.backend}, {"device", r.device}, {"emulated", r.emulated},
          {"model", o->model}, {"threads", r.threads}, {"cpu_activations", o->cpu_activations},
          {"kv_cache_dtype", o->kv_cache_dtype},
          {"prompts", o->prompts},
          {"samples", o->samples}, {"max_tokens", o->max_tokens}, {"prompt_tokens", o->prompt_tokens},
          {"decode_samples_on_device", r.decode_samples_on_device},
          {"prefill_tokens_per_s", r.prefill_tokens_per_s},
          {"decode_tokens_per_s", r.decode_tokens_per_s},
          {"mean_prefill_ms", r.mean_prefill_ms}, {"mean_decode_step_ms", r.mean_decode_step_ms},
          {"weight_bytes_per_step", r.weight_bytes_per_step}, {"kv_bytes_per_step", r.kv_bytes_per_step},
          {"bytes_per_decode_step", r.bytes_per_decode_step},
          {"implied_read_gb_per_s", r.implied_read_bytes_per_s / gb}};
      if (r.bandwidth_kind == "read") {
        j["machine_read_gb_per_s"] = r.bandwidth_bytes_per_s / gb;
        j["implied_over_read"] = ratio;
      } else {
        j["copy_gb_per_s"] = r.bandwidth_bytes_per_s / gb;
        j["implied_over_copy"] = ratio;
        j["peak_device_bytes"] = r.peak_device_bytes;
      }
      fmt::print("{}\n", j.dump());
      return;
    }
    fmt::print("model {} | {} on {}{} | {} prompts x {} tokens, {} samples x {} steps\n", o->model,
               r.backend, r.device,
               r.backend == "cpu" ? fmt::format(", {} threads, {} activations", r.threads, o->cpu_activations) : "",
               o->prompts, o->prompt_tokens, o->samples, o->max_tokens);
    fmt::print("prefill  {:10.1f} tokens/s   mean {:.1f} ms per prompt\n", r.prefill_tokens_per_s,
               r.mean_prefill_ms);
    fmt::print("decode   {:10.1f} tokens/s   mean {:.2f} ms per step{}\n", r.decode_tokens_per_s,
               r.mean_decode_step_ms, r.decode_samples_on_device ? " (sampling included)" : "");
    fmt::print("bytes per decode step {:.1f} MB (weights {:.1f} MB, KV {:.1f} MB) -> {:.2f} GB/s; "
               "{} bandwidth {:.2f} GB/s ({:.0f}%)\n",
               r.bytes_per_decode_step / 1e6, r.weight_bytes_per_step / 1e6, r.kv_bytes_per_step / 1e6,
               r.implied_read_bytes_per_s / gb,
               r.bandwidth_kind == "read" ? "machine read" : "device copy", r.bandwidth_bytes_per_s / gb,
               100 * ratio);
    if (r.peak_device_bytes > 0) {
      fmt::print("peak device memory {:.1f} MB\n", r.peak_device_bytes / 1e6);
    }
    if (r.emulated) {
      fmt::print("(CUDA emulation on the CPU: these figures time the emulation, not a GPU)\n");
    }
  });
}

}  // namespace boxed::harness
