// `boxed quantize SRC DST.gguf --type NAME`: a GGUF file from a safetensors model directory or a
// GGUF file, each tensor in the type llama-quantize would choose, tokenizer and chat template
// carried over (inference/tools.h quantize_model). Progress per tensor on stderr, a summary on
// stdout. Exit 0 written, 2 bad input or any error (nothing is left at DST then).
#include <fmt/format.h>

#include "harness/commands.h"
#include "inference/tools.h"

namespace boxed::harness {
namespace {

struct QuantizeArgs {
  inference::QuantizeRequest request;
  bool quiet = false;
};

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out;
  for (int64_t d : shape) out += (out.empty() ? "" : ", ") + std::to_string(d);
  return "[" + out + "]";
}

}  // namespace

void add_quantize_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<QuantizeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "quantize",
      "Write a GGUF file with quantized weights from a safetensors model directory (BF16, F16 or\n"
      "F32) or from a GGUF file (dequantised, then re-quantized). Each tensor gets the type\n"
      "llama-quantize would give it for the same scheme: 1-D tensors and norms stay F32;\n"
      "q4_k_m puts output.weight (or tied token_embd) and attn_v / ffn_down of the 'more bits'\n"
      "layers in Q6_K; q4_k and q5_k are pure (llama-quantize --pure Q4_K_S / Q5_K_S); a row\n"
      "length that is not whole blocks falls back as in llama.cpp (Q4_K->Q5_0, Q5_K->Q5_1,\n"
      "Q6_K->Q8_0, else F16). The tokenizer (tokenizer.ggml.*) and chat template are carried\n"
      "over. The file is written to DST.tmp and renamed.");
  cmd->add_option("source", a->request.source, "Model directory (config.json, *.safetensors) or .gguf file")
      ->required();
  cmd->add_option("destination", a->request.destination, "The GGUF file to write")->required();
  cmd->add_option("--type", a->request.type, "One of: " + inference::quantize_type_names())->required();
  cmd->add_option("--threads", a->request.threads, "Threads (default: all cores)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--quiet", a->quiet, "No per-tensor progress on stderr");
  cmd->callback([a, &exit_code] {
    const inference::QuantizeResult r =
        inference::quantize_model(a->request, [&](const inference::QuantizeTensorEvent& e) {
          if (a->quiet) return;
          fmt::print(stderr, "quantize: [{}/{}] {:<28} {:>5} -> {:<5} {}{} {:.1f}s\n", e.index, e.total, e.name,
                     e.from_type, e.to_type, shape_text(e.shape), e.note.empty() ? "" : " (" + e.note + ")",
                     e.seconds);
        });
    std::string types;
    for (const auto& [type, n] : r.types) types += fmt::format("{}{} {}", types.empty() ? "" : ", ", type, n);
    fmt::print("{}: {} tensors ({}), {:.1f} MiB from {:.1f} MiB of source tensors in {:.1f} s\n",
               a->request.destination, r.n_tensors, types, r.bytes / 1048576.0, r.source_bytes / 1048576.0,
               r.seconds);
    fmt::print("tokenizer: {}\n", r.tokenizer);
    fmt::print("same tensor types as: llama-quantize {}\n", r.llama_quantize_args);
    exit_code = 0;
  });
}

}  // namespace boxed::harness
