// `boxed logits --model PATH (--tokens 1,2,3 | --text S)`: the CPU forward's logits at the last
// position, as JSON, for debugging and parity checks against other implementations.
#include <charconv>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/commands.h"
#include "inference/tools.h"

namespace boxed::harness {
namespace {

std::vector<int32_t> parse_token_list(const std::string& text) {
  std::vector<int32_t> ids;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find(',', begin), text.size());
    const std::string_view item = std::string_view(text).substr(begin, end - begin);
    int32_t id = 0;
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size() || id < 0) {
      throw std::invalid_argument(fmt::format(
          "--tokens: expected comma-separated non-negative integers, found '{}' in '{}'", item, text));
    }
    ids.push_back(id);
    begin = end + 1;
  }
  return ids;
}

}  // namespace

void add_logits_command(CLI::App& app, int& /*exit_code*/) {
  CLI::App* cmd = app.add_subcommand(
      "logits",
      "Run the CPU forward over a token sequence (from position 0) and print the logits of the\n"
      "last position over the full vocabulary as JSON: {\"tokens\": [...], \"logits\": [...]}.");
  auto model = std::make_shared<std::string>();
  auto tokens = std::make_shared<std::string>();
  auto text = std::make_shared<std::string>();
  cmd->add_option("--model", *model, "Model directory (config.json + safetensors)")->required();
  CLI::Option* tokens_opt =
      cmd->add_option("--tokens", *tokens, "Token ids, comma-separated, e.g. 1,2,3");
  CLI::Option* text_opt = cmd->add_option(
      "--text", *text,
      "Text encoded with the model's tokenizer.json (special tokens parsed, no BOS added)");
  tokens_opt->excludes(text_opt);
  cmd->callback([model, tokens, text, tokens_opt, text_opt] {
    if (tokens_opt->count() == 0 && text_opt->count() == 0) {
      throw std::invalid_argument("logits: give --tokens or --text");
    }
    const std::vector<int32_t> ids = tokens_opt->count() > 0
                                         ? parse_token_list(*tokens)
                                         : inference::encode_text_for_model(*model, *text);
    const std::vector<float> logits = inference::last_token_logits(*model, ids);
    fmt::print("{}\n", nlohmann::json{{"tokens", ids}, {"logits", logits}}.dump());
  });
}

}  // namespace boxed::harness
