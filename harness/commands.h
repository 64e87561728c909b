// The subcommands of `boxed`. Each lives in harness/cmd_<name>.cc and adds itself to the CLI11
// app here; main.cc lists them in the order `boxed --help` shows them. A command reports its exit
// status through `exit_code` (e.g. `compare` sets 1 on a regression); errors are exceptions,
// caught once in main.cc.
#pragma once

#include <CLI/CLI.hpp>

namespace boxed::harness {

void add_version_command(CLI::App& app, int& exit_code);
void add_demo_command(CLI::App& app, int& exit_code);
void add_tokenize_command(CLI::App& app, int& exit_code);
void add_detokenize_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_tasks_command(CLI::App& app, int& exit_code);
void add_merge_command(CLI::App& app, int& exit_code);
void add_score_command(CLI::App& app, int& exit_code);
void add_prompts_command(CLI::App& app, int& exit_code);
void add_table_command(CLI::App& app, int& exit_code);
void add_compare_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);
void add_kld_command(CLI::App& app, int& exit_code);
void add_quantize_command(CLI::App& app, int& exit_code);
void add_make_tiny_model_command(CLI::App& app, int& exit_code);
void add_logits_command(CLI::App& app, int& exit_code);
void add_inspect_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_extract_command(CLI::App& app, int& exit_code);
void add_grade_command(CLI::App& app, int& exit_code);

}  // namespace boxed::harness
