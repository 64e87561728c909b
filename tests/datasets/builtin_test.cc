// The built-in datasets (datasets/builtin.h): the embedded bytes are exactly the committed files
// and the upstream copies in ../shared (SHA-256 from coreutils sha256sum, recorded in SOURCE.md),
// and they load into the same problems as the file loader reads from those files.
#include "datasets/builtin.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "datasets/dataset.h"
#include "datasets/sha256.h"
#include "tests/datasets/test_paths.h"

namespace boxed::datasets {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// sha256sum of the four files in ../shared/datasets (also in each SOURCE.md).
const std::map<std::string, std::string> kExpectedSha256 = {
    {"aime24", "af2b8bd2aa911b6333ad0df32f3ca05c7ae8ed10f1731f4372c8ae26990bf7ac"},
    {"aime25", "b4e273c02d3e7fe1b74b59eae768fc8230bfb0f79539890cb56f4361caac0331"},
    {"amc23", "43707e1ca784602d8479de24ee8ce36609dbebc46dd152b0b12a46611aa898a4"},
    {"math500", "35dc41080a3680858b27fa7e0533d2d547825316fc5dafe5d316f4ccc5a06132"},
};

TEST(BuiltinDatasets, TheFourPublicSetsAreBuiltInAndGpqaIsNot) {
  for (const auto& [task, sha] : kExpectedSha256) EXPECT_NE(find_builtin(task), nullptr) << task;
  EXPECT_EQ(find_builtin("gpqa_diamond"), nullptr);
  EXPECT_EQ(find_builtin("no_such_task"), nullptr);
  for (const BuiltinDataset& b : builtin_datasets()) {
    EXPECT_NE(find_task(b.task), nullptr) << "built-in data for an unknown task: " << b.task;
  }
}

TEST(BuiltinDatasets, EmbeddedBytesMatchTheCommittedFileAndTheRecordedHash) {
  for (const auto& [task, sha] : kExpectedSha256) {
    const BuiltinDataset& b = *find_builtin(task);
    EXPECT_EQ(b.sha256, sha) << task;
    EXPECT_EQ(sha256_hex(b.bytes), sha) << task << ": embedded bytes differ from the upstream file";
    const std::string committed = read_file(boxed::testing::source_dir_file(std::string(b.file)));
    ASSERT_FALSE(committed.empty()) << b.file;
    EXPECT_EQ(sha256_hex(committed), sha) << b.file;
    EXPECT_TRUE(committed == b.bytes) << task << ": embedded bytes differ from " << b.file;
    // The SOURCE.md beside the file records the same hash.
    const std::string source_md = read_file(boxed::testing::source_dir_file(
        std::filesystem::path(std::string(b.file)).parent_path().string() + "/SOURCE.md"));
    EXPECT_NE(source_md.find(sha), std::string::npos) << task << ": SOURCE.md lacks the SHA-256";
  }
}

TEST(BuiltinDatasets, EmbeddedBytesMatchTheSharedUpstreamCopies) {
  const std::string shared = boxed::testing::source_dir() + "/../shared/datasets";
  if (!std::filesystem::exists(shared)) GTEST_SKIP() << shared << " absent: nothing to compare";
  for (const auto& [task, sha] : kExpectedSha256) {
    const std::string upstream = read_file(shared + "/" + task + "/test.jsonl");
    EXPECT_TRUE(upstream == find_builtin(task)->bytes) << task;
  }
}

TEST(BuiltinDatasets, LoadLikeTheFileLoader) {
  const std::map<std::string, size_t> counts = {
      {"aime24", 30}, {"aime25", 30}, {"amc23", 40}, {"math500", 500}};
  for (const auto& [task, count] : counts) {
    const TaskSpec& spec = *find_task(task);
    const LoadedDataset built_in = load_task_dataset(spec, "");
    const LoadedDataset file =
        load_dataset(spec, boxed::testing::source_dir_file(std::string(find_builtin(task)->file)));
    EXPECT_EQ(built_in.path, "built-in:" + task);
    EXPECT_EQ(built_in.sha256, kExpectedSha256.at(task));
    EXPECT_EQ(built_in.sha256, file.sha256);
    ASSERT_EQ(built_in.problems.size(), count) << task;
    ASSERT_EQ(file.problems.size(), count) << task;
    for (size_t i = 0; i < count; ++i) {
      const Problem& a = built_in.problems[i];
      const Problem& b = file.problems[i];
      EXPECT_EQ(a.id, b.id) << task << " #" << i;
      EXPECT_EQ(a.answer, b.answer) << task << " #" << i;
      EXPECT_EQ(a.question, b.question) << task << " #" << i;
      EXPECT_EQ(a.attributes, b.attributes) << task << " #" << i;
    }
  }
  // Values from the SOURCE.md files, not from the loader.
  const LoadedDataset aime24 = load_task_dataset(*find_task("aime24"), "");
  EXPECT_EQ(aime24.problems.front().id, "60");
  EXPECT_EQ(aime24.problems.front().answer, "204");
  EXPECT_EQ(aime24.problems[7].answer, "025");
  EXPECT_EQ(aime24.problems.back().answer, "902");
  const LoadedDataset aime25 = load_task_dataset(*find_task("aime25"), "built-in:aime25");
  EXPECT_EQ(aime25.problems.front().answer, "70");
  EXPECT_EQ(aime25.problems.back().answer, "240");
  const LoadedDataset math500 = load_task_dataset(*find_task("math500"), "");
  std::map<std::string, int> subjects;
  for (const Problem& p : math500.problems) ++subjects[p.attributes.at("subject")];
  EXPECT_EQ(subjects["Algebra"], 124);
  EXPECT_EQ(subjects["Precalculus"], 56);
  std::set<std::string> ids;
  for (const Problem& p : math500.problems) ids.insert(p.id);
  EXPECT_EQ(ids.size(), 500u);
}

TEST(BuiltinDatasets, AGivenFileOverridesTheBuiltInCopy) {
  const LoadedDataset d =
      load_task_dataset(*find_task("aime24"), boxed::testing::dataset_fixture("aime_string_answers.jsonl"));
  EXPECT_NE(d.problems.size(), 30u);
  EXPECT_NE(d.sha256, kExpectedSha256.at("aime24"));
}

TEST(BuiltinDatasets, GpqaWithoutAFileSaysWhereToGetItAndWhichFormatsAreRead) {
  try {
    load_task_dataset(*find_task("gpqa_diamond"), "");
    FAIL() << "gpqa_diamond has no built-in copy; expected an error";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("github.com/idavidrein/gpqa"), std::string::npos) << m;
    EXPECT_NE(m.find("huggingface.co/datasets/Idavidrein/gpqa"), std::string::npos) << m;
    EXPECT_NE(m.find("plain text"), std::string::npos) << m;
    EXPECT_NE(m.find("CSV"), std::string::npos) << m;
    EXPECT_NE(m.find("JSONL"), std::string::npos) << m;
    EXPECT_NE(m.find("--dataset"), std::string::npos) << m;
  }
  EXPECT_THROW(load_task_dataset(*find_task("aime24"), "built-in:math500"), std::invalid_argument);
}

}  // namespace
}  // namespace boxed::datasets
