// boxed — the command line. The only catch-all in the program: it prints the message, keeps
// everything already written (logs are flushed per record, reports written atomically) and
// exits non-zero. Exit status: 0 success, 1 a gate failed (e.g. `compare` found a regression),
// 2 bad input or any error.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/commands.h"
#include "harness/suggest.h"
#include "harness/version_text.h"

namespace {

using boxed::harness::closest;

// Names of the long and short options of `app`, with their dashes.
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : app.get_options()) {
    for (const std::string& n : opt->get_lnames()) names.push_back("--" + n);
    for (const std::string& n : opt->get_snames()) names.push_back("-" + n);
  }
  return names;
}

// Explains an unexpected argument: an unknown subcommand or an unknown option, with the closest
// valid name.
std::string explain_extras(const CLI::App& app, const std::vector<std::string>& args) {
  std::vector<std::string> subcommands;
  for (const CLI::App* sub : app.get_subcommands({})) subcommands.push_back(sub->get_name());
  const CLI::App* selected = nullptr;
  for (const std::string& arg : args) {
    if (arg.starts_with("-")) {
      const CLI::App& scope = selected ? *selected : app;
      const std::string flag = arg.substr(0, arg.find('='));
      const std::vector<std::string> names = option_names(scope);
      if (std::find(names.begin(), names.end(), flag) != names.end()) continue;
      std::string message = fmt::format("unknown option '{}'", flag);
      if (auto guess = closest(flag, names)) message += fmt::format("; did you mean '{}'?", *guess);
      return message +
             fmt::format(" (see 'boxed {}--help')", selected ? selected->get_name() + " " : "");
    }
    if (!selected) {
      for (const CLI::App* sub : app.get_subcommands({})) {
        if (sub->get_name() == arg) selected = sub;
      }
      if (!selected) {
        std::string message = fmt::format("unknown command '{}'", arg);
        if (auto guess = closest(arg, subcommands))
          message += fmt::format("; did you mean '{}'?", *guess);
        return message + " (see 'boxed --help')";
      }
    }
  }
  return "";
}

// `boxed --help` lists each subcommand on one line; `boxed CMD --help` shows its whole manual.
const std::map<std::string, std::string>& one_line_summaries() {
  static const std::map<std::string, std::string> kSummaries = {
      {"demo", "Run the demo evaluation (tiny built-in model, CPU, built-in problems)"},
      {"version", "Print the version and the inference backends built in"},
      {"run", "Generate responses for tasks with a backend, resumably, then score and report"},
      {"tasks", "List the tasks: version, problems, source, whether the dataset is built in"},
      {"report", "Write report.html for a scored run directory (--html)"},
      {"merge", "Combine the shard directories of one sharded run into one report"},
      {"score", "Grade saved responses against a task's dataset and write the reports"},
      {"prompts", "Print the exact prompts (and gold answers) a run would send"},
      {"table", "Markdown table of reports in the DeepSeek-R1 distilled-model layout"},
      {"compare", "Paired comparison of two reports; exit 1 on a regression (CI gate)"},
      {"kld", "KL divergence, top-1 agreement and perplexity of a candidate vs a base model"},
      {"quantize", "Write a quantized GGUF (q8_0, q6_k, q4_k_m, ...) from a safetensors dir or GGUF"},
      {"extract", "Extract final answers from responses (JSONL in, JSONL out)"},
      {"grade", "Grade predicted answers against gold answers (JSONL in, JSONL out)"},
      {"tokenize", "Encode text into token ids with a model's tokenizer"},
      {"detokenize", "Decode token ids back into text with a model's tokenizer"},
      {"make-tiny-model", "Write a tiny random-weight model directory for tests and the demo"},
      {"logits", "Print the last position's logits of the CPU forward as JSON"},
  };
  return kSummaries;
}

class OneLineSubcommandFormatter : public CLI::Formatter {
 public:
  std::string make_subcommand(const CLI::App* sub) const override {
    const auto it = one_line_summaries().find(sub->get_name());
    std::string text = it != one_line_summaries().end() ? it->second : sub->get_description();
    text = text.substr(0, text.find('\n'));
    return fmt::format("  {:<{}}{}\n", sub->get_name(), get_column_width(), text);
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "boxed — benchmark and evaluation harness for reasoning language models.\n"
      "Runs AIME-, MATH-500- and GPQA-style tasks under the DeepSeek-R1 protocol, extracts and\n"
      "grades \\boxed{} answers, and writes pass@1 / cons@64 reports and CI gates.",
      "boxed"};
  app.require_subcommand(1);
  app.formatter(std::make_shared<OneLineSubcommandFormatter>());
  app.set_version_flag("--version", [] { return boxed::harness::version_text(); });
  int exit_code = 0;
  boxed::harness::add_demo_command(app, exit_code);
  boxed::harness::add_version_command(app, exit_code);
  boxed::harness::add_tasks_command(app, exit_code);
  boxed::harness::add_tokenize_command(app, exit_code);
  boxed::harness::add_detokenize_command(app, exit_code);
  boxed::harness::add_run_command(app, exit_code);
  boxed::harness::add_merge_command(app, exit_code);
  boxed::harness::add_score_command(app, exit_code);
  boxed::harness::add_prompts_command(app, exit_code);
  boxed::harness::add_table_command(app, exit_code);
  boxed::harness::add_compare_command(app, exit_code);
  boxed::harness::add_report_command(app, exit_code);
  boxed::harness::add_kld_command(app, exit_code);
  boxed::harness::add_quantize_command(app, exit_code);
  boxed::harness::add_make_tiny_model_command(app, exit_code);
  boxed::harness::add_logits_command(app, exit_code);
  boxed::harness::add_inspect_command(app, exit_code);
  boxed::harness::add_bench_command(app, exit_code);
  boxed::harness::add_extract_command(app, exit_code);
  boxed::harness::add_grade_command(app, exit_code);

  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ExtrasError& e) {
    std::string message = explain_extras(app, args);
    fmt::print(stderr, "boxed: error: {}\n", message.empty() ? e.what() : message);
    return 2;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (args.empty()) {
      fmt::print(stderr, "{}", app.help());
      return 2;
    }
    // A misspelt subcommand or option explains a "required" error better than the error itself
    // (`boxed run --temprature 0.5` is missing --task, but the typo is the news).
    const std::string message = explain_extras(app, args);
    if (!message.empty()) {
      fmt::print(stderr, "boxed: error: {}\n", message);
      return 2;
    }
    fmt::print(stderr, "boxed: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "boxed: error: {}\n", e.what());
    return exit_code != 0 ? exit_code : 2;
  }
  return exit_code;
}
