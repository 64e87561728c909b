// `boxed inspect PATH [--tensor NAME]`: a JSON summary of a GGUF file or model directory, or one
// tensor's dequantised values.
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/commands.h"
#include "inference/tools.h"

namespace boxed::harness {

void add_inspect_command(CLI::App& app, int& /*exit_code*/) {
  CLI::App* cmd = app.add_subcommand(
      "inspect",
      "Summarise a .gguf file or model directory as JSON (metadata, tokenizer, config, tensors\n"
      "with type, shape and bytes); --tensor NAME prints that tensor's dequantised values.");
  auto path = std::make_shared<std::string>();
  auto tensor = std::make_shared<std::string>();
  cmd->add_option("path", *path, "A .gguf file or a model directory")->required();
  cmd->add_option("--tensor", *tensor, "Print this tensor: {\"name\", \"type\", \"shape\", \"values\"}");
  cmd->callback([path, tensor] {
    if (tensor->empty()) {
      fmt::print("{}\n", inference::inspect_model(*path));
      return;
    }
    const inference::TensorValues t = inference::dequantized_tensor(*path, *tensor);
    fmt::print("{}\n", nlohmann::json{{"name", *tensor}, {"type", t.type}, {"shape", t.shape},
                                      {"values", t.values}}.dump());
  });
}

}  // namespace boxed::harness
