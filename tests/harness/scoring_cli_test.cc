// `boxed score`, `prompts`, `table` and `compare` through the binary, on a simulated model: 30
// integer-answer problems whose true accuracies run from 5% to 95%, 64 sampled responses each,
// drawn from a seeded generator. "Same model, other seed" redraws the responses; the "regression"
// lowers every problem's accuracy by 10 points.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/support/run_boxed.h"

namespace {

namespace fs = std::filesystem;

std::string source_dir() {
  const char* dir = std::getenv("BOXED_SOURCE_DIR");
  return dir ? dir : BOXED_SOURCE_DIR_PATH;
}

struct Result {
  int rc = -1;
  std::string out;  // stdout and stderr
};

Result run(const std::string& args) {
  const boxed::testing::RunResult r = boxed::testing::run_boxed(args);
  return {.rc = r.exit_code, .out = r.output};
}

uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr int kProblems = 30;
constexpr int kSamples = 64;

class ScoringCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("boxed_scoring_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream ds(dir_ / "sim.jsonl");
    for (int i = 0; i < kProblems; ++i) {
      ds << nlohmann::json{{"id", 100 + i},
                           {"problem", "Simulated problem " + std::to_string(i)},
                           {"answer", std::to_string(100 + i)}}
                .dump()
         << "\n";
    }
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  // Responses of the simulated model: problem i is answered right with probability
  // 0.05 + 0.9 * i / 29 - drop; wrong answers vary so that they split the vote.
  static std::string write_run(const std::string& name, uint64_t seed, double drop) {
    const fs::path path = dir_ / (name + ".jsonl");
    std::ofstream out(path);
    uint64_t state = seed;
    for (int i = 0; i < kProblems; ++i) {
      const double p = std::max(0.0, 0.05 + 0.9 * i / (kProblems - 1) - drop);
      for (int s = 0; s < kSamples; ++s) {
        const double u = static_cast<double>(splitmix(state) >> 11) * 0x1.0p-53;
        const int answer = u < p ? 100 + i : 1000 + i * 10 + static_cast<int>(splitmix(state) % 3);
        out << nlohmann::json{{"problem_id", std::to_string(100 + i)},
                              {"sample", s},
                              {"text", "<think>work</think> The answer is \\boxed{" +
                                           std::to_string(answer) + "}."},
                              {"tokens", 1000 + s}}
                   .dump()
            << "\n";
      }
    }
    return path.string();
  }

  static std::string score(const std::string& name, uint64_t seed, double drop,
                           const std::string& extra = "") {
    const std::string completions = write_run(name, seed, drop);
    const Result r =
        run("score --task aime24 --dataset " + (dir_ / "sim.jsonl").string() + " --completions " +
            completions + " --out " + (dir_ / name).string() + " --samples 64 " + extra);
    EXPECT_EQ(r.rc, 0) << r.out;
    return (dir_ / name / "report.json").string();
  }

  static fs::path dir_;
};

fs::path ScoringCli::dir_;

TEST_F(ScoringCli, ScoreWritesReportSamplesAndMarkdown) {
  score("files", 1, 0.0, "--model DeepSeek-R1-Distill-Qwen-1.5B");
  const fs::path out = dir_ / "files";
  std::ifstream in(out / "report.json");
  const nlohmann::json report = nlohmann::json::parse(in);
  EXPECT_EQ(report.at("schema"), "boxed.report/1.1");
  EXPECT_EQ(report.at("manifest").at("model"), "DeepSeek-R1-Distill-Qwen-1.5B");
  const auto& task = report.at("tasks").at(0);
  EXPECT_EQ(task.at("n_samples"), kSamples);
  EXPECT_EQ(task.at("problems").size(), static_cast<size_t>(kProblems));
  EXPECT_EQ(task.at("dataset").at("sha256").get<std::string>().size(), 64u);
  const double pass1 = task.at("modes").at(0).at("pass@1").at("value");
  EXPECT_GT(pass1, 0.40);  // true mean accuracy 0.50
  EXPECT_LT(pass1, 0.60);
  std::ifstream samples(out / "samples.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(samples, line)) {
    const nlohmann::json sample = nlohmann::json::parse(line);
    if (lines++ == 0) {
      EXPECT_TRUE(sample.contains("text"));
    }
    // The deciding rule of the primary verdict: integer answers compare exactly.
    EXPECT_EQ(sample.at("rule"), sample.at("correct").get<bool>() ? "integer_exact" : "integer_mismatch") << line;
  }
  EXPECT_EQ(lines, kProblems * kSamples);
  std::stringstream md;
  md << std::ifstream(out / "report.md").rdbuf();
  EXPECT_NE(md.str().find("## AIME 2024 (`aime24/1`)"), std::string::npos);
  EXPECT_NE(md.str().find("strict (primary)"), std::string::npos);
  for (const auto& entry : fs::directory_iterator(out)) {
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos)
        << "temporary file left: " << entry.path();
  }
}

TEST_F(ScoringCli, NoTextLeavesTheResponsesOut) {
  score("notext", 1, 0.0, "--no-text");
  std::ifstream samples(dir_ / "notext" / "samples.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(samples, line));
  EXPECT_FALSE(nlohmann::json::parse(line).contains("text"));
}

TEST_F(ScoringCli, CompareSameModelDifferentSeedPasses) {
  const std::string base = score("base", 1, 0.0);
  const std::string rerun = score("rerun", 2, 0.0);
  const Result r = run("compare " + base + " " + rerun);
  std::cout << r.out;
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("PASS"), std::string::npos);
  // The two sides are named (model from the manifest, the report file).
  EXPECT_NE(r.out.find("base:      "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(base + ")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("candidate: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(rerun + ")"), std::string::npos) << r.out;
  // Run directories stand for their report.json.
  const Result dirs = run("compare " + (dir_ / "base").string() + " " + (dir_ / "rerun").string());
  EXPECT_EQ(dirs.rc, 0) << dirs.out;
  EXPECT_NE(dirs.out.find(rerun + ")"), std::string::npos) << dirs.out;
  fs::create_directories(dir_ / "empty_run");
  const Result empty = run("compare " + (dir_ / "base").string() + " " + (dir_ / "empty_run").string());
  EXPECT_EQ(empty.rc, 2) << empty.out;
  EXPECT_NE(empty.out.find("empty_run is a directory without report.json"), std::string::npos) << empty.out;
}

TEST_F(ScoringCli, CompareConstructedRegressionFails) {
  const std::string base = score("base2", 1, 0.0);
  const std::string worse = score("worse", 3, 0.10);
  const Result r = run("compare " + base + " " + worse);
  std::cout << r.out;
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("REGRESSION"), std::string::npos);
  EXPECT_NE(r.out.find("aime24: pass@1 dropped by"), std::string::npos);
}

TEST_F(ScoringCli, CompareMinRequirementAndBadInput) {
  const std::string base = score("base3", 1, 0.0);
  const std::string rerun = score("rerun3", 2, 0.0);
  Result r = run("compare " + base + " " + rerun + " --min aime24:pass@1=90");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("aime24: pass@1 is"), std::string::npos);
  r = run("compare " + base + " " + rerun + " --min aime24:pass@1=10 --min aime24:maj@8=10");
  EXPECT_EQ(r.rc, 0) << r.out;
  r = run("compare " + base + " " + rerun + " --min aime24:cons@7=10");
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find("no metric 'cons@7'"), std::string::npos);
  r = run("compare " + base + " " + (dir_ / "sim.jsonl").string());
  EXPECT_EQ(r.rc, 2) << r.out;
  // A report over other problems: the pairing refuses it.
  const std::string other = score("other", 1, 0.0);  // same problems; now remove one
  std::ifstream in(other);
  nlohmann::json j = nlohmann::json::parse(in);
  j["tasks"][0]["problems"].erase(0);
  std::ofstream(dir_ / "fewer.json") << j.dump();
  r = run("compare " + base + " " + (dir_ / "fewer.json").string());
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find("problem '100' is in the base report but not in the candidate"),
            std::string::npos);
}

TEST_F(ScoringCli, UnknownTaskExits2WithSuggestion) {
  const Result r = run("score --task aime2024 --dataset x --completions y --out z");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.out.find("unknown task 'aime2024'; did you mean"), std::string::npos) << r.out;
}

TEST_F(ScoringCli, MalformedDatasetLineExits2NamingFileAndLine) {
  const std::string completions = write_run("malformed", 1, 0.0);
  const Result r = run("score --task math500 --dataset " + source_dir() +
                       "/tests/data/datasets/bad_json_line.jsonl" + " --completions " +
                       completions + " --out " + (dir_ / "malformed").string());
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.out.find("bad_json_line.jsonl:2: not valid JSON"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir_ / "malformed" / "report.json"));
}

TEST_F(ScoringCli, MissingResponsesExit2UnlessAllowPartial) {
  const std::string completions = write_run("partial", 1, 0.0);
  std::ifstream in(completions);
  std::ofstream out(dir_ / "partial_cut.jsonl");
  std::string line;
  for (int i = 0; std::getline(in, line); ++i) {
    if (i != 70) out << line << "\n";  // problem 101, sample 6
  }
  out.close();
  const std::string base = "score --task aime24 --dataset " + (dir_ / "sim.jsonl").string() +
                           " --completions " + (dir_ / "partial_cut.jsonl").string() + " --out " +
                           (dir_ / "partial").string();
  Result r = run(base);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.out.find("problem '101' has 63 of 64 responses"), std::string::npos) << r.out;
  r = run(base + " --allow-partial");
  EXPECT_EQ(r.rc, 0) << r.out;
  std::ifstream rep(dir_ / "partial" / "report.json");
  const nlohmann::json j = nlohmann::json::parse(rep);
  EXPECT_EQ(j["tasks"][0]["n_partial_problems"], 1);
  EXPECT_EQ(j["tasks"][0]["problems"][1]["partial"], true);
}

TEST_F(ScoringCli, PromptsPrintMessagesAndGpqaGoldLetters) {
  const Result r = run("prompts --task gpqa_diamond --seed 5 --dataset " + source_dir() +
                       "/tests/data/datasets/gpqa_official_layout.csv");
  ASSERT_EQ(r.rc, 0) << r.out;
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    const std::string gold = j.at("gold");
    ASSERT_EQ(gold.size(), 1u);
    EXPECT_GE(gold[0], 'A');
    EXPECT_LE(gold[0], 'D');
    const std::string content = j.at("messages").at(0).at("content");
    EXPECT_EQ(j.at("messages").at(0).at("role"), "user");
    EXPECT_NE(content.find("\nA) "), std::string::npos);
    EXPECT_EQ(j.at("choice_order").size(), 4u);
    ++n;
  }
  EXPECT_EQ(n, 3);
  const Result limited = run("prompts --task aime24 --limit 1 --dataset " + source_dir() +
                             "/tests/data/datasets/aime_string_answers.jsonl");
  EXPECT_EQ(limited.out,
            "{\"task\":\"aime24\",\"problem_id\":\"60\",\"gold\":\"049\",\"messages\":[{\"role\":"
            "\"user\",\"content\":"
            "\"Find the remainder when $7^{2}$ is divided by $100$.\\nPlease reason step by step, "
            "and put your "
            "final answer within \\\\boxed{}.\"}]}\n");
  // With a chat template, "prompt" is the text the model sees: R1's user/assistant markers and the
  // forced "<think>\n" opening (DeepSeek-R1 model card, Usage Recommendations).
  const Result templated =
      run("prompts --task aime24 --limit 1 --chat-template deepseek-r1 --dataset " + source_dir() +
          "/tests/data/datasets/aime_string_answers.jsonl");
  ASSERT_EQ(templated.rc, 0) << templated.out;
  const std::string prompt = nlohmann::json::parse(templated.out).at("prompt");
  EXPECT_NE(
      prompt.find(
          "<\uff5cUser\uff5c>Find the remainder when $7^{2}$ is divided by $100$.\nPlease reason"),
      std::string::npos)
      << prompt;
  EXPECT_TRUE(prompt.ends_with("<\uff5cAssistant\uff5c><think>\n")) << prompt;
}

TEST_F(ScoringCli, TableWithPublishedReference) {
  const std::string report =
      score("table", 1, 0.0, "--model /models/DeepSeek-R1-Distill-Qwen-1.5B");
  const Result r = run("table " + report + " --reference " + source_dir() +
                       "/reports/reference/deepseek_r1_distill.json");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("| Model | AIME 2024 pass@1 | AIME 2024 cons@64 | MATH-500 pass@1 | GPQA "
                       "Diamond pass@1 |"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("| DeepSeek-R1-Distill-Qwen-1.5B (published) | 28.9 | 52.7 | 83.9 | 33.8 |"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("| Δ /models/DeepSeek-R1-Distill-Qwen-1.5B − published |"),
            std::string::npos)
      << r.out;
}

}  // namespace
