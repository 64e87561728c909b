// `boxed logits --model PATH (--tokens 1,2,3 | --text S) [--all] [--top K]`: the CPU forward's
// logits at the last position (or every position), as JSON, for debugging and parity checks
// against other implementations. --top K prints one line per position with the K best ids by
// log-probability, so long texts can be compared without megabytes per position. --logits-out FILE
// writes every position's raw logits as little-endian float32 [n_positions, vocab_size] with no
// header (for tools/llama_cpp/compare_logits.py, which needs full distributions of a large vocab).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <numeric>
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

// {"position": i, "top": [[id, logprob], ...]}: the k best ids, ties by lower id.
nlohmann::json top_line(int position, std::span<const float> logits, int k) {
  const float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float x : logits) sum += std::exp(static_cast<double>(x) - max);
  const double log_z = max + std::log(sum);
  std::vector<int32_t> ids(logits.size());
  std::iota(ids.begin(), ids.end(), 0);
  const size_t n = std::min(ids.size(), static_cast<size_t>(k));
  std::partial_sort(ids.begin(), ids.begin() + n, ids.end(), [&](int32_t a, int32_t b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  });
  nlohmann::json top = nlohmann::json::array();
  for (size_t i = 0; i < n; ++i) top.push_back({ids[i], static_cast<double>(logits[ids[i]]) - log_z});
  return {{"position", position}, {"top", top}};
}

}  // namespace

void add_logits_command(CLI::App& app, int& /*exit_code*/) {
  CLI::App* cmd = app.add_subcommand(
      "logits",
      "Run the CPU forward over a token sequence (from position 0) and print the logits of the\n"
      "last position over the full vocabulary as JSON: {\"tokens\": [...], \"logits\": [...]};\n"
      "with --all one line per position {\"position\": i, \"logits\": [...]}; with --top K one\n"
      "line per position {\"position\": i, \"top\": [[id, logprob], ...]}.");
  auto model = std::make_shared<std::string>();
  auto tokens = std::make_shared<std::string>();
  auto text = std::make_shared<std::string>();
  auto all = std::make_shared<bool>(false);
  auto top = std::make_shared<int>(0);
  auto logits_out = std::make_shared<std::string>();
  cmd->add_option("--model", *model, "Model directory (config.json + safetensors) or .gguf file")
      ->required();
  cmd->add_flag("--all", *all, "Every position, one JSON line each, not only the last");
  cmd->add_option("--top", *top, "Print the K best ids by log-probability instead of all logits")
      ->check(CLI::Range(1, 1 << 20));
  CLI::Option* out_opt = cmd->add_option(
      "--logits-out", *logits_out,
      "Write every position's logits to FILE as raw little-endian float32 [positions, vocab]");
  out_opt->excludes(cmd->get_option("--top"));
  CLI::Option* tokens_opt =
      cmd->add_option("--tokens", *tokens, "Token ids, comma-separated, e.g. 1,2,3");
  CLI::Option* text_opt = cmd->add_option(
      "--text", *text,
      "Text encoded with the model's tokenizer.json (special tokens parsed, no BOS added)");
  tokens_opt->excludes(text_opt);
  cmd->callback([model, tokens, text, tokens_opt, text_opt, all, top, logits_out, out_opt] {
    if (tokens_opt->count() == 0 && text_opt->count() == 0) {
      throw std::invalid_argument("logits: give --tokens or --text");
    }
    const std::vector<int32_t> ids = tokens_opt->count() > 0
                                         ? parse_token_list(*tokens)
                                         : inference::encode_text_for_model(*model, *text);
    if (out_opt->count() > 0) {
      std::ofstream out(*logits_out, std::ios::binary | std::ios::trunc);
      if (!out) throw std::runtime_error(fmt::format("--logits-out: cannot open '{}'", *logits_out));
      int n_written = 0;
      inference::token_logits(*model, ids, /*all_positions=*/true,
                              [&](int /*position*/, std::span<const float> logits) {
                                out.write(reinterpret_cast<const char*>(logits.data()),
                                          static_cast<std::streamsize>(logits.size_bytes()));
                                ++n_written;
                              });
      out.close();
      if (!out) throw std::runtime_error(fmt::format("--logits-out: write to '{}' failed", *logits_out));
      fmt::print("{}\n", nlohmann::json{{"file", *logits_out}, {"positions", n_written}}.dump());
      return;
    }
    if (!*all && *top == 0) {
      const std::vector<float> logits = inference::last_token_logits(*model, ids);
      fmt::print("{}\n", nlohmann::json{{"tokens", ids}, {"logits", logits}}.dump());
      return;
    }
    inference::token_logits(*model, ids, *all, [&](int position, std::span<const float> logits) {
      const nlohmann::json line =
          *top > 0 ? top_line(position, logits, *top)
                   : nlohmann::json{{"position", position},
                                    {"logits", std::vector<float>(logits.begin(), logits.end())}};
      fmt::print("{}\n", line.dump());
      std::fflush(stdout);
    });
  });
}

}  // namespace boxed::harness
