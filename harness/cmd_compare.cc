// `boxed compare`: the paired regression gate between two reports. Exit 0 pass, 1 regression,
// 2 bad input.
#include <fmt/format.h>

#include "harness/commands.h"
#include "metrics/bootstrap.h"
#include "reports/compare.h"

namespace boxed::harness {

void add_compare_command(CLI::App& app, int& exit_code) {
  struct Args {
    std::string base, cand;
    reports::GateOptions gate;
    std::vector<std::string> mins;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Compare a candidate report with a base report over the same problems (e.g. a quantized model\n"
      "against the original). Per task: pass@1 of both, the difference with a paired bootstrap 95%\n"
      "interval (same problem draws for both, samples resampled within problems), and the problems\n"
      "whose majority answer flipped. The gate passes when every task's one-sided lower confidence\n"
      "bound of (candidate - base) is above -max-drop and every --min holds.\n"
      "Exit status: 0 pass, 1 regression, 2 bad input.");
  cmd->add_option("base", args->base, "The reference report.json")->required()->check(CLI::ExistingFile);
  cmd->add_option("candidate", args->cand, "The report.json under test")->required()->check(CLI::ExistingFile);
  cmd->add_option("--max-drop", args->gate.max_drop_points,
                  "Largest tolerated drop of pass@1, in percentage points (default 5)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--alpha", args->gate.alpha,
                  "One-sided significance level: the gate uses the (1 - alpha) lower bound (default 0.05)")
      ->check(CLI::Range(0.0001, 0.5));
  cmd->add_option("--min", args->mins,
                  "TASK:METRIC=POINTS that the candidate must reach, one per flag, e.g. --min "
                  "aime24:pass@1=25 --min math500:cons@n=80; METRIC is pass@1, pass@K, maj@K or cons@n")
      ->expected(1)  // one value per flag (repeat the flag), so positionals after it stay positionals
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--resamples", args->gate.resamples, "Bootstrap replicates (default 2000)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", args->gate.seed, "Bootstrap seed (default 0)");
  cmd->callback([args, &exit_code] {
    for (const std::string& m : args->mins) args->gate.mins.push_back(reports::parse_min_requirement(m));
    const reports::RunReport base = reports::read_report_file(args->base);
    const reports::RunReport cand = reports::read_report_file(args->cand);
    std::vector<std::string> warnings;
    const std::vector<reports::PairedTask> pairs = reports::pair_tasks(base, cand, &warnings);
    std::vector<reports::TaskDiff> diffs;
    for (const reports::PairedTask& pair : pairs) {
      std::vector<metrics::ProblemCounts> b, c;
      for (size_t i = 0; i < pair.ids.size(); ++i) {
        if (pair.base[i].n == 0 || pair.cand[i].n == 0) {
          throw std::runtime_error(fmt::format("task {}: problem '{}' has no responses in one report", pair.task,
                                               pair.ids[i]));
        }
        b.push_back({.n = pair.base[i].n, .correct = pair.base[i].correct});
        c.push_back({.n = pair.cand[i].n, .correct = pair.cand[i].correct});
      }
      const metrics::PairedDiff d = metrics::paired_bootstrap(
          b, c, {.resamples = args->gate.resamples, .seed = args->gate.seed, .level = 0.95}, args->gate.alpha);
      reports::TaskDiff diff{.task = pair.task, .n_problems = static_cast<int>(pair.ids.size())};
      for (size_t i = 0; i < b.size(); ++i) {
        diff.base += static_cast<double>(b[i].correct) / b[i].n;
        diff.cand += static_cast<double>(c[i].correct) / c[i].n;
      }
      diff.base /= static_cast<double>(b.size());  // summed first, as the report's pass@1 is
      diff.cand /= static_cast<double>(c.size());
      diff.diff = d.diff;
      diff.lower_one_sided = d.lower_one_sided;
      diff.ci_lower = d.ci_lower;
      diff.ci_upper = d.ci_upper;
      reports::fill_flips(pair, diff);
      diffs.push_back(std::move(diff));
    }
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
    exit_code = gate.pass ? 0 : 1;
  });
}

}  // namespace boxed::harness
