// Loads the real evaluation sets in ../shared/datasets when they are there (they are not part of
// the project; the test skips with a message without them). Expected counts, ids, answers and
// hashes come from each folder's SOURCE.md and from coreutils sha256sum, not from this code.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "datasets/dataset.h"
#include "tests/datasets/test_paths.h"

namespace boxed::datasets {
namespace {

std::string shared_file(const std::string& name) {
  return boxed::testing::source_dir() + "/../shared/datasets/" + name + "/test.jsonl";
}

#define BOXED_REQUIRE_SHARED(name)                                                          \
  if (!std::filesystem::exists(shared_file(name))) {                                        \
    GTEST_SKIP() << shared_file(name) << " not found: ../shared is absent, nothing to check"; \
  }

TEST(RealDatasets, Aime24) {
  BOXED_REQUIRE_SHARED("aime24");
  const LoadedDataset d = load_dataset(*find_task("aime24"), shared_file("aime24"));
  ASSERT_EQ(d.problems.size(), 30u);
  EXPECT_EQ(d.problems.front().id, "60");
  EXPECT_EQ(d.problems.back().id, "89");
  // SOURCE.md: answers in order, leading zeros kept.
  const std::vector<std::string> answers = {"204", "113", "371", "385", "110", "104", "721", "025", "809", "116",
                                            "104", "294", "540", "197", "480", "073", "468", "601", "023", "321",
                                            "211", "315", "236", "045", "033", "080", "055", "699", "127", "902"};
  for (size_t i = 0; i < answers.size(); ++i) EXPECT_EQ(d.problems[i].answer, answers[i]) << i;
  EXPECT_EQ(d.sha256, "af2b8bd2aa911b6333ad0df32f3ca05c7ae8ed10f1731f4372c8ae26990bf7ac");
}

TEST(RealDatasets, Aime25) {
  BOXED_REQUIRE_SHARED("aime25");
  const LoadedDataset d = load_dataset(*find_task("aime25"), shared_file("aime25"));
  ASSERT_EQ(d.problems.size(), 30u);
  EXPECT_EQ(d.problems[0].id, "0");
  EXPECT_EQ(d.problems[29].id, "29");
  const std::vector<std::string> answers = {"70", "588", "16", "117", "279", "504", "821", "77", "62", "81",
                                            "259", "510", "204", "60", "735", "468", "49", "82", "106", "336",
                                            "293", "237", "610", "149", "907", "113", "19", "248", "104", "240"};
  for (size_t i = 0; i < answers.size(); ++i) EXPECT_EQ(d.problems[i].answer, answers[i]) << i;
  // SOURCE.md: the upstream escaping defect leaves a form feed in row 18's text; kept as is.
  EXPECT_NE(d.problems[18].question.find('\f'), std::string::npos);
  EXPECT_EQ(d.sha256, "b4e273c02d3e7fe1b74b59eae768fc8230bfb0f79539890cb56f4361caac0331");
}

TEST(RealDatasets, Amc23) {
  BOXED_REQUIRE_SHARED("amc23");
  const LoadedDataset d = load_dataset(*find_task("amc23"), shared_file("amc23"));
  ASSERT_EQ(d.problems.size(), 40u);
  EXPECT_EQ(d.problems[0].answer, "27");      // 27.0 in the file
  EXPECT_EQ(d.problems[3].answer, "3159");    // 3159.0
  EXPECT_EQ(d.problems[15].answer, "-1");     // -1.0
  // The ids run 0..49 with gaps (SOURCE.md's "0..39" is not what the file holds; checked with
  // Python's json module): they are ids, not positions.
  EXPECT_EQ(d.problems[6].id, "7");
  EXPECT_EQ(d.problems[39].id, "49");
  EXPECT_EQ(d.sha256, "43707e1ca784602d8479de24ee8ce36609dbebc46dd152b0b12a46611aa898a4");
}

TEST(RealDatasets, Math500) {
  BOXED_REQUIRE_SHARED("math500");
  const LoadedDataset d = load_dataset(*find_task("math500"), shared_file("math500"));
  ASSERT_EQ(d.problems.size(), 500u);
  EXPECT_EQ(d.problems[0].id, "test/precalculus/807.json");
  std::map<std::string, int> subjects, levels;
  for (const Problem& p : d.problems) {
    ++subjects[p.attributes.at("subject")];
    ++levels[p.attributes.at("level")];
  }
  // SOURCE.md: subject and level counts of the PRM800K 500-problem split.
  EXPECT_EQ(subjects, (std::map<std::string, int>{{"Algebra", 124}, {"Intermediate Algebra", 97},
                                                  {"Prealgebra", 82}, {"Number Theory", 62}, {"Precalculus", 56},
                                                  {"Geometry", 41}, {"Counting & Probability", 38}}));
  EXPECT_EQ(levels, (std::map<std::string, int>{{"1", 43}, {"2", 90}, {"3", 105}, {"4", 128}, {"5", 134}}));
  EXPECT_EQ(d.sha256, "35dc41080a3680858b27fa7e0533d2d547825316fc5dafe5d316f4ccc5a06132");
}

}  // namespace
}  // namespace boxed::datasets
