// `boxed compare`: the paired regression gate between two reports. Exit 0 pass, 1 regression,
// 2 bad input.
#include <filesystem>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "harness/commands.h"
#include "harness/compare_task.h"
#include "metrics/bootstrap.h"
#include "reports/atomic_file.h"
#include "reports/compare.h"
#include "reports/report_html.h"

namespace boxed::harness {
namespace {

// A run directory stands for its report.json (what `boxed run` / `boxed score` write there).
std::string report_path(const std::string& path) {
  if (!std::filesystem::is_directory(path)) return path;
  const std::filesystem::path report = std::filesystem::path(path) / "report.json";
  if (!std::filesystem::is_regular_file(report)) {
    throw std::invalid_argument(fmt::format(
        "compare: {} is a directory without report.json (a run directory has one once `boxed run` "
        "or `boxed score` has finished)", path));
  }
  return report.string();
}

}  // namespace

void add_compare_command(CLI::App& app, int& exit_code) {
  struct Args {
    std::string base, cand;
    reports::GateOptions gate;
    std::vector<std::string> mins;
    std::string test = "significant-drop";
    std::string html;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Compare a candidate report with a base report over the same problems (e.g. a quantized model\n"
      "against the original). Per task: pass@1 of both, the difference with a paired bootstrap 95%\n"
      "interval (same problem draws for both, samples resampled within problems), and the problems\n"
      "whose majority answer flipped, and the drop the run could detect. The default gate\n"
      "(--test significant-drop) fails a task whose pass@1 dropped by more than --max-drop with the\n"
      "drop significant at --alpha (the one-sided upper bound of the change below 0), so re-runs of\n"
      "the same model pass; --test non-inferiority instead requires the one-sided lower bound to be\n"
      "above -max-drop (proof that the candidate is not worse). Every --min must hold too.\n"
      "Exit status: 0 pass, 1 regression, 2 bad input.");
  cmd->add_option("base", args->base, "The reference report.json, or the run directory holding it")
      ->required()->check(CLI::ExistingPath);
  cmd->add_option("candidate", args->cand, "The report.json under test, or its run directory")
      ->required()->check(CLI::ExistingPath);
  cmd->add_option("--max-drop", args->gate.max_drop_points,
                  "Largest tolerated drop of pass@1, in percentage points (default 5)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--alpha", args->gate.alpha,
                  "One-sided significance level of the gate's bound (default 0.05)")
      ->check(CLI::Range(0.0001, 0.5));
  cmd->add_option("--min", args->mins,
                  "TASK:METRIC=POINTS that the candidate must reach, one per flag, e.g. --min "
                  "aime24:pass@1=25 --min math500:cons@n=80; METRIC is pass@1, pass@K, maj@K or cons@n")
      ->expected(1)  // one value per flag (repeat the flag), so positionals after it stay positionals
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--test", args->test,
                  "significant-drop (default): fail on a drop larger than --max-drop that is significant; "
                  "non-inferiority: fail unless the lower bound of the change is above -max-drop")
      ->check(CLI::IsMember({"significant-drop", "non-inferiority"}));
  cmd->add_option("--power", args->gate.power,
                  "Probability used for the printed detectable drop (default 0.8)")
      ->check(CLI::Range(0.5, 0.999));
  cmd->add_option("--resamples", args->gate.resamples, "Bootstrap replicates (default 2000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", args->gate.seed, "Bootstrap seed (default 0)");
  cmd->add_option("--html", args->html,
                  "Also write the comparison as one self-contained HTML page to this file "
                  "(per-problem differences, flips, both runs' curves)");
  cmd->callback([args, &exit_code] {
    args->gate.test = args->test == "non-inferiority" ? reports::GateTest::kNonInferiority
                                                      : reports::GateTest::kSignificantDrop;
    for (const std::string& m : args->mins) args->gate.mins.push_back(reports::parse_min_requirement(m));
    args->base = report_path(args->base);
    args->cand = report_path(args->cand);
    const reports::RunReport base = reports::read_report_file(args->base);
    const reports::RunReport cand = reports::read_report_file(args->cand);
    std::vector<std::string> warnings;
    const std::vector<reports::PairedTask> pairs = reports::pair_tasks(base, cand, &warnings);
    std::vector<reports::TaskDiff> diffs;
    for (const reports::PairedTask& pair : pairs) diffs.push_back(compare_task(pair, args->gate));
    const reports::GateResult gate = reports::evaluate_gate(diffs, cand, args->gate);
    // Which models (and weight formats: "weights" in the CPU engine's details) are compared.
    const auto describe = [](const reports::RunReport& r, const std::string& file) {
      const reports::Manifest& m = r.manifest;
      const auto weights = m.engine_details.find("weights");
      return fmt::format("{} ({}{}{})", m.model.empty() ? "model not recorded" : m.model, file,
                         m.backend.empty() ? "" : ", backend " + m.backend,
                         weights == m.engine_details.end() ? "" : ", weights " + weights->second);
    };
    fmt::print("base:      {}\ncandidate: {}\n", describe(base, args->base), describe(cand, args->cand));
    fmt::print("{}", reports::render_comparison(diffs, gate, args->gate, warnings));
    if (!args->html.empty()) {
      reports::write_file_atomically(args->html,
                                     reports::render_compare_html(base, cand, diffs, gate, warnings));
      fmt::print("html: {}\n", args->html);
    }
    exit_code = gate.pass ? 0 : 1;
  });
}

}  // namespace boxed::harness
