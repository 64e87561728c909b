// `boxed demo`: the README's first command. Writes the tiny built-in model (if absent) and the
// built-in AIME-, MATH- and GPQA-style problem files, then runs the same evaluation as
// `boxed run` on the CPU backend — 64 samples per problem under the DeepSeek-R1 sampling
// settings — and writes report.json, samples.jsonl and report.md.
//
// The tiny model has random weights, so its answers are noise and its scores are near zero: the
// demo shows the whole pipeline (templating, batched sampling with a shared prompt prefix,
// extraction, grading, pass@1 / cons@64 with intervals, reports, resume), not a capability.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "datasets/demo_set.h"
#include "harness/commands.h"
#include "harness/run_command.h"
#include "inference/tools.h"

namespace boxed::harness {
namespace {

struct DemoArgs {
  std::string out = "demo-out";
  std::string model;  // default: OUT/tiny-model, written when absent
  int samples = 64;
  int max_tokens = 96;
  int threads = 0;
  uint64_t seed = 0;
  bool quiet = false;
};

void write_text(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out.flush()) throw std::runtime_error(fmt::format("{}: cannot write", path.string()));
}

void run_demo(const DemoArgs& d) {
  const std::filesystem::path out = d.out;
  std::filesystem::create_directories(out / "data");
  const std::filesystem::path model =
      d.model.empty() ? out / "tiny-model" : std::filesystem::path(d.model);
  // A model directory has config.json; a .gguf file is a model by itself.
  const bool given_file = !d.model.empty() && std::filesystem::is_regular_file(model);
  if (!given_file && !std::filesystem::exists(model / "config.json")) {
    if (!d.model.empty()) {
      throw std::invalid_argument(
          fmt::format("--model {}: no config.json there (and not a .gguf file)", d.model));
    }
    fmt::print(stderr, "boxed demo: writing the tiny random Qwen2 model to {}\n", model.string());
    inference::make_tiny_model(model.string(), "qwen2", /*seed=*/1);
  }
  RunArgs run{.model = model.string(), .backend = "cpu", .out = (out / "run").string()};
  for (const datasets::DemoFile& file : datasets::demo_files()) {
    const std::filesystem::path path = out / "data" / file.file_name;
    write_text(path, file.contents);
    run.tasks.emplace_back(file.task);
    run.datasets.push_back(path.string());
  }
  run.samples = d.samples;
  run.max_tokens = d.max_tokens;
  run.threads = d.threads;
  run.seed = d.seed;
  run.quiet = d.quiet;
  run.progress_interval_s = 5;
  run.argv = {"boxed", "demo", "--out", d.out};
  run_evaluation(run);
}

}  // namespace

void add_demo_command(CLI::App& app, int& /*exit_code*/) {
  auto d = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Run the demo evaluation: the tiny built-in model (random weights, written to\n"
      "OUT/tiny-model unless --model is given) on the CPU backend over built-in AIME-, MATH- and\n"
      "GPQA-style problems, 64 samples each at temperature 0.6 / top-p 0.95, then score and\n"
      "write OUT/run/report.json, samples.jsonl and report.md. Rerunning resumes and finishes\n"
      "at once. The random model's answers are noise: the demo shows the pipeline, not a score.");
  cmd->option_defaults()->always_capture_default();
  cmd->add_option("--out", d->out, "Directory for the model, the problem files and the run");
  cmd->add_option("--model", d->model, "A model directory or .gguf file to use instead of the tiny model");
  cmd->add_option("--samples", d->samples, "Responses per problem")->check(CLI::PositiveNumber);
  cmd->add_option("--max-tokens", d->max_tokens,
                  "New tokens per response (the R1 protocol's "
                  "32768 is pointless for a random model)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", d->threads, "CPU worker threads; 0 = all cores");
  cmd->add_option("--seed", d->seed, "Run seed");
  cmd->add_flag("--quiet", d->quiet, "No progress output");
  cmd->callback([d] { run_demo(*d); });
}

}  // namespace boxed::harness
