// The whole scoring step of a MATH-500-sized run: 500 problems x 64 responses of about 4 KB,
// extraction and grading in both modes, majority votes grouped by the grader, pass@k / maj@k,
// the bootstrap interval (1000 resamples) and the accounting — score_task, without file I/O.
// Answers mix exact, equivalent (0.5 vs \frac12) and wrong forms so the vote groups are real.
//
//   build/bin/scoring_bench   (args: problems / samples / bootstrap resamples)
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "harness/scoring.h"

namespace {

namespace fs = std::filesystem;

struct Fixture {
  boxed::datasets::LoadedDataset data;
  std::vector<boxed::harness::CompletionRecord> completions;
};

}  // namespace

namespace boxed {
namespace {

Fixture make(int n_problems, int n_samples) {
  const fs::path path = fs::temp_directory_path() / ("boxed_scoring_bench_" + std::to_string(::getpid()) + ".jsonl");
  {
    std::ofstream out(path);
    for (int i = 0; i < n_problems; ++i) {
      out << nlohmann::json{{"unique_id", "p" + std::to_string(i)}, {"problem", "Problem " + std::to_string(i)},
                            {"answer", "\\frac{" + std::to_string(i + 1) + "}{2}"}, {"subject", "Algebra"},
                            {"level", 1 + i % 5}}.dump()
          << "\n";
    }
  }
  Fixture f;
  f.data = datasets::load_dataset(*datasets::find_task("math500"), path.string());
  fs::remove(path);
  const std::string filler(4000, 'x');
  for (int i = 0; i < n_problems; ++i) {
    for (int s = 0; s < n_samples; ++s) {
      std::string answer;
      switch ((i + s) % 4) {
        case 0: answer = "\\frac{" + std::to_string(i + 1) + "}{2}"; break;             // exact
        case 1: answer = std::to_string(i + 1) + "/2"; break;                            // equivalent
        case 2: answer = std::to_string((i + 1) / 2) + (i % 2 == 0 ? ".5" : ""); break;  // decimal
        default: answer = std::to_string(i + 7); break;                                   // wrong
      }
      f.completions.push_back({.problem_id = "p" + std::to_string(i), .sample = s,
                               .text = "<think>" + filler + "</think> The answer is $\\boxed{" + answer + "}$.",
                               .finish_reason = "stop", .completion_tokens = 1200});
    }
  }
  return f;
}

void BM_ScoreTask(benchmark::State& state) {
  const Fixture f = make(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const datasets::TaskSpec& spec = *datasets::find_task("math500");
  harness::ScoreOptions options;
  options.bootstrap_resamples = static_cast<int>(state.range(2));
  for (auto _ : state) {
    reports::TaskReport t = harness::score_task(spec, f.data, f.completions, {}, options, nullptr);
    benchmark::DoNotOptimize(t);
  }
  state.counters["responses/s"] =
      benchmark::Counter(static_cast<double>(f.completions.size()), benchmark::Counter::kIsIterationInvariantRate);
}
// Args: problems, samples per problem, bootstrap resamples (1 = the cost without the interval).
BENCHMARK(BM_ScoreTask)->Args({500, 64, 1000})->Args({500, 64, 1})->Args({30, 64, 1000})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace boxed

BENCHMARK_MAIN();
