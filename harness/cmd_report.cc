// `boxed report RUN_DIR --html`: writes report.html for a run directory scored before boxed wrote
// one (or again), from its report.json and samples.jsonl.
#include <fmt/format.h>

#include <filesystem>

#include "harness/commands.h"
#include "reports/atomic_file.h"
#include "reports/report_files.h"
#include "reports/report_html.h"

namespace boxed::harness {

void add_report_command(CLI::App& app, int& /*exit_code*/) {
  struct Args {
    std::string dir, out;
    bool html = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Render a scored run directory again. --html writes report.html (one self-contained page:\n"
      "headline numbers with intervals, pass@k and maj@k curves, the problems x samples grid,\n"
      "length distributions, answer clusters) from RUN_DIR/report.json and samples.jsonl.");
  cmd->add_option("run_dir", args->dir, "A run directory holding report.json")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--html", args->html, "Write report.html")->required();
  cmd->add_option("--out", args->out, "Where to write it (default RUN_DIR/report.html)");
  cmd->callback([args] {
    const std::filesystem::path dir(args->dir);
    reports::RunReport report = reports::read_report_file((dir / reports::kReportJson).string());
    const std::filesystem::path samples = dir / reports::kSamplesJsonl;
    if (std::filesystem::exists(samples)) {
      report.samples = reports::read_samples_file(samples.string());
    } else {
      fmt::print(stderr, "boxed report: {} not found; grid cells show correctness only\n",
                 samples.string());
    }
    const std::filesystem::path out =
        args->out.empty() ? dir / reports::kReportHtml : std::filesystem::path(args->out);
    reports::write_file_atomically(out, reports::render_run_html(report));
    fmt::print("report: {}\n", out.string());
  });
}

}  // namespace boxed::harness
