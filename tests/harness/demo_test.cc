// `boxed demo` end to end (small settings): the tiny model is written, the three built-in tasks
// are generated on the CPU backend, scored and reported; a rerun resumes without generating.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/run_boxed.h"

namespace boxed::harness {
namespace {

namespace fs = std::filesystem;

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("boxed_demo_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(DemoTest, WritesReportsForTheThreeBuiltInTasksAndResumes) {
  const std::string args = "demo --quiet --samples 3 --max-tokens 12 --out " + dir_.string();
  const testing::RunResult first = testing::run_boxed(args);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("report: " + (dir_ / "run").string() + "/report.md"),
            std::string::npos)
      << first.output;
  EXPECT_TRUE(fs::exists(dir_ / "tiny-model" / "model.safetensors"));
  EXPECT_TRUE(fs::exists(dir_ / "run" / "samples.jsonl"));
  EXPECT_TRUE(fs::exists(dir_ / "run" / "report.md"));

  std::ifstream in(dir_ / "run" / "report.json");
  const nlohmann::json report = nlohmann::json::parse(in);
  ASSERT_EQ(report["tasks"].size(), 3u);
  const std::pair<const char*, int> expected[] = {
      {"demo_aime", 5}, {"demo_math", 6}, {"demo_gpqa", 4}};
  for (size_t i = 0; i < 3; ++i) {
    const nlohmann::json& task = report["tasks"][i];
    EXPECT_EQ(task["task"], expected[i].first);
    EXPECT_EQ(task["n_problems"], expected[i].second);
    EXPECT_EQ(task["n_samples"], 3);
  }
  EXPECT_EQ(report["manifest"]["backend"], "cpu");

  // Same command again: every response is in the log, nothing is generated, same report rows.
  const testing::RunResult second = testing::run_boxed(args);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  std::ifstream again(dir_ / "run" / "report.json");
  const nlohmann::json resumed = nlohmann::json::parse(again);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(resumed["tasks"][i]["problems"], report["tasks"][i]["problems"]);
  }
}

TEST_F(DemoTest, RefusesAModelDirectoryWithoutConfig) {
  fs::create_directories(dir_ / "empty");
  const testing::RunResult r = testing::run_boxed("demo --quiet --out " + dir_.string() +
                                                  " --model " + (dir_ / "empty").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("no config.json"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace boxed::harness
