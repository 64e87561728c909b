// `boxed tokenize` and `boxed detokenize`: text ↔ token ids with a model's tokenizer, for
// checking prompts and comparing against other tokenizers. Both read --text/--ids, a FILE, or
// stdin ("-"); a JSONL input (objects with "text", resp. "ids") is echoed with "ids", resp.
// "text", added to each line, keeping its other fields and their order.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "harness/commands.h"
#include "inference/tools.h"

namespace boxed::harness {
namespace {

using ordered_json = nlohmann::ordered_json;

struct TokenizerArgs {
  std::string tokenizer;
  std::string pre;
  std::string input;  // FILE or "-"
};

void add_tokenizer_options(CLI::App* cmd, TokenizerArgs& args) {
  cmd->add_option("--tokenizer", args.tokenizer,
                  "A tokenizer.json, a model directory, a vocab.json with merges.txt beside it, "
                  "or a .gguf file (its tokenizer.ggml.* header; tensor data not needed)")
      ->required();
  cmd->add_option("--pre", args.pre,
                  "Pre-tokenizer family for vocab.json + merges.txt: qwen2 (digits one by one, "
                  "NFC), llama3 (digits in threes, ignore_merges), gpt2 or smollm (digits one by "
                  "one, then gpt2); tokenizer.json and .gguf say their own")
      ->check(CLI::IsMember({"qwen2", "llama3", "gpt2", "smollm"}));
}

std::string read_input(const std::string& input) {
  std::ostringstream ss;
  if (input == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(input, std::ios::binary);
    if (!in) throw std::runtime_error(input + ": cannot open for reading");
    ss << in.rdbuf();
  }
  return ss.str();
}

// The lines of `text` as JSON objects holding `key`, or nullopt when the first non-empty line is
// not such an object (then the input is plain text, resp. plain ids). Once the first line is
// JSONL, every later non-empty line must be too.
std::optional<std::vector<ordered_json>> parse_jsonl(const std::string& text,
                                                     const std::string& source, const char* key) {
  std::vector<ordered_json> rows;
  std::istringstream in(text);
  size_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ordered_json j = ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
    const bool ok = !j.is_discarded() && j.is_object() && j.contains(key);
    if (!ok && rows.empty()) return std::nullopt;
    if (!ok) {
      throw std::runtime_error(
          fmt::format("{}:{}: expected a JSON object with \"{}\"", source, line_no, key));
    }
    rows.push_back(std::move(j));
  }
  if (rows.empty()) return std::nullopt;
  return rows;
}

std::string join_ids(const std::vector<int32_t>& ids) {
  return fmt::format("{}", fmt::join(ids, ","));
}

// "1,2,3", "1 2 3" or a JSON array.
std::vector<int32_t> parse_ids(const std::string& text, const std::string& source) {
  std::vector<int32_t> ids;
  std::string token;
  auto flush = [&] {
    if (token.empty()) return;
    size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(token, &used);
    } catch (const std::exception&) {
    }
    if (used != token.size() || v < 0 || v > INT32_MAX) {
      throw std::runtime_error(
          fmt::format("{}: expected a token id (non-negative integer), "
                      "found \"{}\"",
                      source, token));
    }
    ids.push_back(static_cast<int32_t>(v));
    token.clear();
  };
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '[' || c == ']') {
      flush();
    } else {
      token.push_back(c);
    }
  }
  flush();
  return ids;
}

}  // namespace

void add_tokenize_command(CLI::App& app, int& /*exit_code*/) {
  auto args = std::make_shared<TokenizerArgs>();
  auto text = std::make_shared<std::string>();
  auto plain = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "tokenize",
      "Encode text into token ids with a model's tokenizer.\n"
      "Prints the ids comma-separated. With a FILE (or - for stdin) of JSONL lines carrying\n"
      "\"text\", prints each line with \"ids\" added; any other FILE is encoded as one text.\n"
      "Special tokens such as <｜begin▁of▁sentence｜> are recognised unless --no-special.\n"
      "Example: boxed tokenize --tokenizer models/r1-1.5b --text 'What is 1+1?'");
  add_tokenizer_options(cmd, *args);
  CLI::Option* text_opt = cmd->add_option("--text", *text, "The text to encode");
  cmd->add_option("input", args->input,
                  "FILE to encode (plain text or JSONL with \"text\"); - for stdin")
      ->excludes(text_opt);
  cmd->add_flag("--no-special", *plain,
                "Treat special-token strings as plain text (encoded byte by byte)");
  cmd->callback([args, text, plain, text_opt] {
    if (text_opt->count() == 0 && args->input.empty()) {
      throw std::invalid_argument("tokenize: give --text S, a FILE, or - for stdin");
    }
    const auto tok = inference::load_text_tokenizer(args->tokenizer, args->pre);
    if (text_opt->count() > 0) {
      fmt::print("{}\n", join_ids(tok->encode(*text, !*plain)));
      return;
    }
    const std::string source = args->input == "-" ? "stdin" : args->input;
    const std::string input = read_input(args->input);
    auto rows = parse_jsonl(input, source, "text");
    if (!rows) {
      fmt::print("{}\n", join_ids(tok->encode(input, !*plain)));
      return;
    }
    for (ordered_json& row : *rows) {
      if (!row["text"].is_string())
        throw std::runtime_error(source + ": \"text\" must be a string");
      row["ids"] = tok->encode(row["text"].get<std::string>(), !*plain);
      fmt::print("{}\n", row.dump(-1, ' ', false, ordered_json::error_handler_t::replace));
    }
  });
}

void add_detokenize_command(CLI::App& app, int& /*exit_code*/) {
  auto args = std::make_shared<TokenizerArgs>();
  auto ids_text = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "detokenize",
      "Decode token ids back into text with a model's tokenizer.\n"
      "--ids 1,2,3 prints the text. With a FILE (or - for stdin) of JSONL lines carrying \"ids\",\n"
      "prints each line with \"text\" added; any other FILE is read as ids separated by commas\n"
      "or spaces. Bytes that do not form valid UTF-8 print as U+FFFD.\n"
      "Example: boxed detokenize --tokenizer models/r1-1.5b --ids 3838,374,220,16");
  add_tokenizer_options(cmd, *args);
  CLI::Option* ids_opt = cmd->add_option("--ids", *ids_text, "Token ids, comma-separated");
  cmd->add_option("input", args->input, "FILE of ids (plain or JSONL with \"ids\"); - for stdin")
      ->excludes(ids_opt);
  cmd->callback([args, ids_text, ids_opt] {
    if (ids_opt->count() == 0 && args->input.empty()) {
      throw std::invalid_argument("detokenize: give --ids 1,2,3, a FILE, or - for stdin");
    }
    const auto tok = inference::load_text_tokenizer(args->tokenizer, args->pre);
    if (ids_opt->count() > 0) {
      fmt::print("{}\n", tok->decode(parse_ids(*ids_text, "--ids")));
      return;
    }
    const std::string source = args->input == "-" ? "stdin" : args->input;
    const std::string input = read_input(args->input);
    auto rows = parse_jsonl(input, source, "ids");
    if (!rows) {
      fmt::print("{}\n", tok->decode(parse_ids(input, source)));
      return;
    }
    for (ordered_json& row : *rows) {
      if (!row["ids"].is_array()) throw std::runtime_error(source + ": \"ids\" must be an array");
      row["text"] = tok->decode(row["ids"].get<std::vector<int32_t>>());
      fmt::print("{}\n", row.dump(-1, ' ', false, ordered_json::error_handler_t::replace));
    }
  });
}

}  // namespace boxed::harness
