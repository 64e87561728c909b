// The `boxed compare` gate through the binary on simulated runs of the sizes people use: AIME
// (30 problems x 8 or 64 samples) and MATH-500 x 4. Re-runs of the same model with other seeds
// must pass the default gate; a 10-point drop must fail wherever the run can resolve it (the
// figures the gate prints say where that is); the non-inferiority mode stays available.
//
// Simulated model (as in scoring_cli_test.cc): problem i of N is answered right with probability
// 0.05 + 0.9 i / (N - 1) - drop, wrong answers split between three values.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "tests/support/run_boxed.h"

namespace {

namespace fs = std::filesystem;
using boxed::testing::run_boxed;

uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class GateCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("boxed_gate_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static std::string dataset(int n_problems) {
    std::string file = "sim";
    file.append(std::to_string(n_problems)).append(".jsonl");
    const fs::path path = dir_ / file;
    if (fs::exists(path)) return path.string();
    std::ofstream ds(path);
    for (int i = 0; i < n_problems; ++i) {
      ds << nlohmann::json{{"id", 100 + i}, {"problem", std::string("P").append(std::to_string(i))}, {"answer", std::to_string(100 + i)}}
                .dump()
         << "\n";
    }
    return path.string();
  }

  // Scores one simulated run and returns its report.json.
  static std::string run_report(int n_problems, int n_samples, uint64_t seed, double drop) {
    const std::string name = fmt_name(n_problems, n_samples, seed, drop);
    const fs::path completions = dir_ / (name + ".jsonl");
    std::ofstream out(completions);
    uint64_t state = seed * 7919 + static_cast<uint64_t>(n_problems);
    for (int i = 0; i < n_problems; ++i) {
      const double p = std::max(0.0, 0.05 + 0.9 * i / (n_problems - 1) - drop);
      for (int s = 0; s < n_samples; ++s) {
        const double u = static_cast<double>(splitmix(state) >> 11) * 0x1.0p-53;
        const int answer = u < p ? 100 + i : 100000 + i * 10 + static_cast<int>(splitmix(state) % 3);
        out << nlohmann::json{{"problem_id", std::to_string(100 + i)},
                              {"sample", s},
                              {"text", "The answer is \\boxed{" + std::to_string(answer) + "}."},
                              {"tokens", 100}}
                   .dump()
            << "\n";
      }
    }
    out.close();
    const auto r = run_boxed("score --task aime24 --no-text --bootstrap-resamples 100 --dataset " + dataset(n_problems) +
                             " --completions " + completions.string() + " --out " + (dir_ / name).string() +
                             " --samples " + std::to_string(n_samples));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return (dir_ / name / "report.json").string();
  }

  static std::string fmt_name(int n_problems, int n_samples, uint64_t seed, double drop) {
    return std::to_string(n_problems) + "x" + std::to_string(n_samples) + "_s" + std::to_string(seed) + "_d" +
           std::to_string(static_cast<int>(drop * 100));
  }

  // The "detect" column of the one task row.
  static double detect_column(const std::string& out) {
    std::smatch m;
    const std::regex row(R"(\naime24 +\d+ +\S+ +\S+ +\S+ +\[\S+, \S+\] +\S+ +\S+ +(\S+) )");
    if (!std::regex_search(out, m, row)) return -1;
    return std::stod(m[1]);
  }

  static fs::path dir_;
};

fs::path GateCli::dir_;

struct SameModelCase {
  int problems, samples;
};

TEST_F(GateCli, SameModelReRunsWithOtherSeedsPass) {
  for (const SameModelCase c : {SameModelCase{30, 8}, SameModelCase{30, 64}, SameModelCase{500, 4}}) {
    const std::string base = run_report(c.problems, c.samples, 1, 0.0);
    for (uint64_t seed = 2; seed <= 6; ++seed) {
      const std::string rerun = run_report(c.problems, c.samples, seed, 0.0);
      const auto r = run_boxed("compare " + base + " " + rerun);
      EXPECT_EQ(r.exit_code, 0) << c.problems << " x " << c.samples << " seed " << seed << "\n" << r.output;
      EXPECT_NE(r.output.find("\nPASS\n"), std::string::npos) << r.output;
      if (seed == 2) std::printf("%d x %d, same model:\n%s\n", c.problems, c.samples, r.output.c_str());
    }
  }
}

TEST_F(GateCli, TenPointDropFailsWhereTheRunResolvesIt) {
  for (const SameModelCase c : {SameModelCase{30, 64}, SameModelCase{500, 4}}) {
    const std::string base = run_report(c.problems, c.samples, 1, 0.0);
    const std::string worse = run_report(c.problems, c.samples, 9, 0.10);
    const auto r = run_boxed("compare " + base + " " + worse);
    std::printf("%d x %d, 10-point drop:\n%s\n", c.problems, c.samples, r.output.c_str());
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("REGRESSION"), std::string::npos);
    EXPECT_NE(r.output.find("the drop is significant"), std::string::npos) << r.output;
    const double detect = detect_column(r.output);
    EXPECT_GT(detect, 5.0) << r.output;  // at least max-drop plus the noise margin
    EXPECT_LT(detect, 10.0) << r.output;
  }
}

TEST_F(GateCli, SmallRunsSayWhatTheyCannotResolve) {
  const std::string base = run_report(30, 8, 1, 0.0);
  const std::string rerun = run_report(30, 8, 2, 0.0);
  auto r = run_boxed("compare --max-drop 2 " + base + " " + rerun);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("note: aime24: 30 problems cannot resolve a drop of 2 points"), std::string::npos)
      << r.output;
  EXPECT_GT(detect_column(r.output), 5.0) << r.output;
  // Non-inferiority cannot prove a 2-point margin with 30 x 8 even between equal runs: the margin it
  // proves with 80% probability is ~8 points, so most equal pairs fail it (each passes only when
  // the candidate happens to look ~3.5 points better).
  int ni_failures = 0;
  for (uint64_t seed = 2; seed <= 6; ++seed) {
    r = run_boxed("compare --test non-inferiority --max-drop 2 " + base + " " + run_report(30, 8, seed, 0.0));
    EXPECT_NE(r.output.find("gate (non-inferiority)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("note: aime24: 30 problems cannot prove a margin of 2 points"), std::string::npos)
        << r.output;
    if (r.exit_code == 1) {
      ++ni_failures;
      EXPECT_NE(r.output.find("may have dropped by more than 2 points"), std::string::npos) << r.output;
    }
  }
  EXPECT_GE(ni_failures, 3);
  r = run_boxed("compare --test superiority " + base + " " + rerun);
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

}  // namespace
