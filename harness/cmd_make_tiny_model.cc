// `boxed make-tiny-model DIR --arch qwen2|llama [--seed S]`: a small random model directory that
// the real loaders (and Hugging Face transformers) read, for tests and the demo.
#include <fmt/format.h>

#include "harness/commands.h"
#include "inference/tools.h"

namespace boxed::harness {

void add_make_tiny_model_command(CLI::App& app, int& /*exit_code*/) {
  CLI::App* cmd = app.add_subcommand(
      "make-tiny-model",
      "Write a tiny random-weight model directory (config.json, generation_config.json,\n"
      "tokenizer_config.json with the DeepSeek-R1-Distill chat template, tokenizer.json with a\n"
      "small byte-level BPE and the R1 special tokens, BF16 model.safetensors). Hidden size 64,\n"
      "2 layers, 4 heads, 2 KV heads. The same seed writes byte-identical files.");
  auto dir = std::make_shared<std::string>();
  auto arch = std::make_shared<std::string>("qwen2");
  auto seed = std::make_shared<uint64_t>(1);
  auto shape = std::make_shared<std::string>("tiny");
  cmd->add_option("dir", *dir, "Directory to write (created if absent; files are replaced)")
      ->required();
  cmd->add_option("--arch", *arch,
                  "qwen2: Qwen2ForCausalLM with q/k/v bias and an untied LM head; llama:\n"
                  "LlamaForCausalLM with an explicit head_dim, tied embeddings and llama3 rope\n"
                  "scaling")
      ->check(CLI::IsMember({"qwen2", "llama"}))
      ->capture_default_str();
  cmd->add_option("--seed", *seed, "Seed of the random weights")->capture_default_str();
  cmd->add_option("--shape", *shape,
                  "tiny, or r1-distill-qwen-1.5b: DeepSeek-R1-Distill-Qwen-1.5B's dimensions\n"
                  "(28 layers, hidden 1536, vocab 151936; qwen2 only; 3.5 GB) with random\n"
                  "weights and the tiny tokenizer, for `boxed bench` at a real model's size")
      ->check(CLI::IsMember({"tiny", "r1-distill-qwen-1.5b"}))
      ->capture_default_str();
  cmd->callback([dir, arch, seed, shape] {
    inference::make_tiny_model(*dir, *arch, *seed, *shape);
    fmt::print("wrote {} {} model (seed {}) to {}\n", *shape, *arch, *seed, *dir);
  });
}

}  // namespace boxed::harness
