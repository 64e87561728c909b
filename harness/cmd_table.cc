// `boxed table`: reports side by side in the layout of the DeepSeek-R1 distilled-model table.
#include <fmt/format.h>

#include "harness/commands.h"
#include "reports/table.h"

namespace boxed::harness {

void add_table_command(CLI::App& app, int& /*exit_code*/) {
  struct Args {
    std::vector<std::string> reports;
    std::string reference;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "table",
      "Print a Markdown table of report.json files in the layout of the DeepSeek-R1 \"Distilled\n"
      "Model Evaluation\" table: one row per model (the report's model name), columns AIME 2024\n"
      "pass@1, AIME 2024 cons@64, MATH-500 pass@1, GPQA Diamond pass@1, then pass@1 of any other\n"
      "task present; ± is the half-width of the bootstrap 95% interval.");
  cmd->add_option("reports", args->reports, "report.json files (several tasks of one model merge into one row)")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("--reference", args->reference,
                  "Published values to show beside the measured ones, with the difference, e.g. "
                  "reports/reference/deepseek_r1_distill.json (DeepSeek-R1 paper, Table 5)")
      ->check(CLI::ExistingFile);
  cmd->callback([args] {
    std::vector<reports::NamedReport> named;
    for (const std::string& path : args->reports) named.push_back({path, reports::read_report_file(path)});
    std::optional<reports::Reference> reference;
    if (!args->reference.empty()) reference = reports::read_reference(args->reference);
    fmt::print("{}", reports::render_table(named, reference ? &*reference : nullptr));
  });
}

}  // namespace boxed::harness
