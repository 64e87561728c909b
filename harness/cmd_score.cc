// `boxed score`: grade saved responses and write report.json, samples.jsonl and report.md.
#include <fmt/format.h>

#include "harness/commands.h"
#include "harness/scoring.h"
#include "reports/report_markdown.h"

namespace boxed::harness {

void add_score_command(CLI::App& app, int& /*exit_code*/) {
  struct Args {
    std::string task, dataset, completions, out;
    int samples = 0;
    bool allow_partial = false, no_text = false;
    uint64_t seed = 0;
    std::string tie_policy = "expected";
    uint64_t bootstrap_seed = 0;
    int bootstrap_resamples = 1000;
    std::vector<std::string> fields;
    std::string model, backend;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "score",
      "Grade saved responses against a task's dataset and write report.json (metrics with standard\n"
      "error and bootstrap 95% intervals, per-problem rows), samples.jsonl (one line per response)\n"
      "and report.md into --out. Both extraction modes (strict = \\boxed{} only, flexible = boxed or\n"
      "answer markers) are reported; the task spec names the primary one.\n"
      "Responses: JSONL lines {\"problem_id\": .., \"sample\": i, \"text\": ..} with optional\n"
      "\"finish_reason\" (stop|length|error) and \"tokens\".");
  cmd->add_option("--task", args->task, "Task name: aime24, aime25, math500, gpqa_diamond, amc23")->required();
  cmd->add_option("--dataset", args->dataset,
                  "The task's dataset file (JSONL; GPQA also CSV); default: its built-in copy");
  cmd->add_option("--completions", args->completions, "Responses to grade (JSONL, see above)")->required();
  cmd->add_option("--out", args->out, "Directory for report.json, samples.jsonl, report.md (created)")->required();
  cmd->add_option("--samples", args->samples,
                  "Responses per problem (n of pass@1 and cons@n); 0 = the largest count found. A "
                  "problem with fewer is an error unless --allow-partial")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--allow-partial", args->allow_partial,
                "Score problems with fewer than n responses over the ones they have, marked partial");
  cmd->add_flag("--no-text", args->no_text, "Leave the response text out of samples.jsonl");
  cmd->add_option("--seed", args->seed,
                  "The run seed the responses were generated with (GPQA choice shuffles derive from "
                  "it, so it decides the gold letters)");
  cmd->add_option("--tie-policy", args->tie_policy,
                  "cons@n ties: 'expected' (fractional credit under a uniform tie-break) or "
                  "'first_seen' (the tied answer seen first)")->check(CLI::IsMember({"expected", "first_seen"}));
  cmd->add_option("--bootstrap-seed", args->bootstrap_seed, "Seed of the bootstrap resampling");
  cmd->add_option("--bootstrap-resamples", args->bootstrap_resamples, "Bootstrap replicates")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--field", args->fields,
                  "Dataset field mapping CANONICAL=NAME_IN_FILE, one per flag, e.g. --field "
                  "problem=question --field answer=final --field id=uid")
      ->expected(1)  // one value per flag (repeat the flag), so positionals after it stay positionals
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--model", args->model, "Model name to record in the report (for `boxed table`)");
  cmd->add_option("--backend", args->backend, "Backend name to record in the report");
  cmd->callback([args] {
    resolve_task(args->task);  // an unknown task fails before any file is read
    const std::vector<CompletionRecord> completions = read_completions_jsonl(args->completions);
    RunIdentity identity;
    identity.seed = args->seed;
    if (!args->model.empty() || !args->backend.empty()) {
      identity.engine = inference::EngineInfo{.backend = args->backend, .model = args->model, .details = {}};
    }
    identity.command_line = {"boxed", "score", "--task", args->task, "--dataset", args->dataset,
                             "--completions", args->completions, "--out", args->out,
                             "--samples", std::to_string(args->samples), "--seed", std::to_string(args->seed),
                             "--tie-policy", args->tie_policy};
    if (args->allow_partial) identity.command_line.push_back("--allow-partial");
    for (const std::string& f : args->fields) {
      identity.command_line.push_back("--field");
      identity.command_line.push_back(f);
    }
    ScoreOptions options;
    options.n_samples = args->samples;
    options.allow_partial = args->allow_partial;
    options.include_text = !args->no_text;
    options.tie_policy = args->tie_policy;
    options.bootstrap_seed = args->bootstrap_seed;
    options.bootstrap_resamples = args->bootstrap_resamples;
    options.fields = datasets::parse_field_mappings(args->fields);
    const nlohmann::json report =
        score_and_write(args->task, args->dataset, completions, identity, options, args->out);
    const reports::RunReport r = reports::report_from_json(report, "report");
    for (const reports::TaskReport& t : r.tasks) {
      const reports::ModeMetrics& p = t.primary();
      fmt::print("{}: pass@1 {}% [{}, {}] ({} extraction), cons@{} {}%, {} problems x {} samples",
                 t.task, reports::percent(p.pass_at_1.value), reports::percent(p.pass_at_1.ci_lower),
                 reports::percent(p.pass_at_1.ci_upper), t.primary_mode, t.n_samples,
                 reports::percent(p.cons_at_n), t.n_problems, t.n_samples);
      for (const reports::ModeMetrics& m : t.modes) {
        if (m.mode != t.primary_mode) fmt::print("; {} pass@1 {}%", m.mode, reports::percent(m.pass_at_1.value));
      }
      fmt::print("\n");
    }
    fmt::print("report: {}/report.md\n", args->out);
  });
}

}  // namespace boxed::harness
