#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

#include "datasets/dataset.h"
#include "datasets/demo_set.h"
#include "datasets/jsonl_reader.h"
#include "datasets/task.h"
#include "tests/datasets/test_paths.h"

namespace boxed::datasets {
namespace {

using boxed::testing::dataset_fixture;

LoadedDataset load(const std::string& task, const std::string& file, const FieldMap& fields = {}) {
  return load_dataset(*find_task(task), dataset_fixture(file), fields);
}

TEST(MathJsonl, AimeStringAnswersKeepLeadingZerosAndIntegerIdsBecomeStrings) {
  const LoadedDataset d = load("aime24", "aime_string_answers.jsonl");
  ASSERT_EQ(d.problems.size(), 3u);
  EXPECT_EQ(d.problems[0].id, "60");
  EXPECT_EQ(d.problems[0].answer, "049");
  EXPECT_EQ(d.problems[1].answer, "006");
  EXPECT_EQ(d.problems[2].question, "Compute $10 \\cdot 11$.");
  EXPECT_EQ(d.problems[2].line, 3);
  EXPECT_EQ(d.sha256.size(), 64u);
}

TEST(MathJsonl, IntegerAnswersAndStringIds) {
  const LoadedDataset d = load("aime25", "aime_integer_answers.jsonl");
  ASSERT_EQ(d.problems.size(), 2u);
  EXPECT_EQ(d.problems[1].id, "1");
  EXPECT_EQ(d.problems[1].answer, "24");
}

TEST(MathJsonl, FloatAnswersLoseTheSpuriousPointZero) {
  const LoadedDataset d = load("amc23", "amc_float_answers.jsonl");
  ASSERT_EQ(d.problems.size(), 3u);
  EXPECT_EQ(d.problems[0].answer, "90");  // 90.0
  EXPECT_EQ(d.problems[1].answer, "-1");  // -1.0
  EXPECT_EQ(d.problems[2].answer, "1.5");
  EXPECT_EQ(d.problems[0].id, "0");
}

TEST(MathJsonl, Math500UniqueIdsAndBreakdownAttributes) {
  const LoadedDataset d = load("math500", "math500_like.jsonl");
  ASSERT_EQ(d.problems.size(), 4u);
  EXPECT_EQ(d.problems[0].id, "test/prealgebra/1.json");
  EXPECT_EQ(d.problems[0].answer, "\\frac{1}{2}");
  EXPECT_EQ(d.problems[0].attributes.at("subject"), "Prealgebra");
  EXPECT_EQ(d.problems[0].attributes.at("level"), "1");
  EXPECT_EQ(d.problems[3].attributes.at("level"), "10");
}

TEST(MathJsonl, FieldMappingRenamesColumnsAndAddsAttributes) {
  const FieldMap fields =
      parse_field_mappings({"problem=question", "answer=final", "id=uid", "topic=topic"});
  const LoadedDataset d = load("aime24", "mapped_fields.jsonl", fields);
  ASSERT_EQ(d.problems.size(), 2u);
  EXPECT_EQ(d.problems[0].id, "q-a");
  EXPECT_EQ(d.problems[0].question, "What is one plus one?");
  EXPECT_EQ(d.problems[1].answer, "6");
  EXPECT_EQ(d.problems[1].attributes.at("topic"), "arithmetic");
}

TEST(MathJsonl, WithoutAnIdFieldTheLineNumberIsTheId) {
  const LoadedDataset d = load("math500", "no_ids.jsonl");
  ASSERT_EQ(d.problems.size(), 2u);
  EXPECT_EQ(d.problems[0].id, "1");
  EXPECT_EQ(d.problems[1].id, "3");  // line 2 is blank
}

TEST(FieldMappings, RejectMalformedAndRepeated) {
  EXPECT_THROW(parse_field_mappings({"problem"}), std::invalid_argument);
  EXPECT_THROW(parse_field_mappings({"=question"}), std::invalid_argument);
  EXPECT_THROW(parse_field_mappings({"problem="}), std::invalid_argument);
  EXPECT_THROW(parse_field_mappings({"problem=a", "problem=b"}), std::invalid_argument);
  EXPECT_EQ(parse_field_mappings({"answer=a=b"}).at("answer"), "a=b");
}

TEST(Gpqa, OfficialCsvLayout) {
  const LoadedDataset d = load("gpqa_diamond", "gpqa_official_layout.csv");
  ASSERT_EQ(d.problems.size(), 3u);
  const Problem& p = d.problems[1];
  EXPECT_EQ(p.id, "recInvented002");
  EXPECT_EQ(p.question, "A solution has pH 3.\nWhat is [H+] in mol/L?");  // newline inside quotes
  ASSERT_EQ(p.choices.size(), 4u);
  EXPECT_EQ(p.choices[0], "10^-3");  // trimmed
  EXPECT_EQ(p.answer, "10^-3");
  EXPECT_EQ(p.choices[3], "10^3");
  EXPECT_EQ(p.line, 3);
  EXPECT_EQ(p.attributes.at("High-level domain"), "Chemistry");
  EXPECT_EQ(d.problems[2].choices[2], "The Golgi apparatus, which packages proteins");
  EXPECT_EQ(d.problems[2].question, "Which organelle holds most of a cell's DNA, \"by far\"?");
  EXPECT_EQ(d.problems[2].line, 6);  // row 2 spans lines 3-5 (question and answer hold newlines)
}

TEST(Gpqa, JsonlWithTheSameColumnsGivesTheSameProblems) {
  const LoadedDataset csv = load("gpqa_diamond", "gpqa_official_layout.csv");
  const LoadedDataset jsonl = load("gpqa_diamond", "gpqa_columns.jsonl");
  ASSERT_EQ(csv.problems.size(), jsonl.problems.size());
  for (size_t i = 0; i < csv.problems.size(); ++i) {
    EXPECT_EQ(csv.problems[i].id, jsonl.problems[i].id);
    EXPECT_EQ(csv.problems[i].question, jsonl.problems[i].question);
    EXPECT_EQ(csv.problems[i].choices, jsonl.problems[i].choices);
  }
  EXPECT_NE(csv.sha256, jsonl.sha256);
}

// Table: each malformed input and the message it must produce
// (tests/data/datasets/load_errors.jsonl).
TEST(Loaders, ErrorsNameFileLineAndField) {
  const JsonlContents cases = read_jsonl(dataset_fixture("load_errors.jsonl"));
  ASSERT_GE(cases.records.size(), 8u);
  for (const JsonlRecord& c : cases.records) {
    SCOPED_TRACE(c.value.at("note").get<std::string>());
    const FieldMap fields =
        parse_field_mappings(c.value.at("fields").get<std::vector<std::string>>());
    try {
      load(c.value.at("task"), c.value.at("file"), fields);
      ADD_FAILURE() << "no error for " << c.value.at("file");
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(c.value.at("expect").get<std::string>()),
                std::string::npos)
          << "message: " << e.what();
    }
  }
}

TEST(Tasks, SpecsNameExtractorGraderAndPrimaryMode) {
  EXPECT_EQ(task_names(),
            (std::vector<std::string>{"aime24", "aime25", "math500", "gpqa_diamond", "amc23",
                                      "demo_aime", "demo_math", "demo_gpqa"}));
  const TaskSpec* aime = find_task("aime24");
  ASSERT_NE(aime, nullptr);
  EXPECT_EQ(aime->grader, "integer");
  EXPECT_EQ(aime->primary_mode, "strict");
  EXPECT_EQ(spec_version(*aime), "aime24/1");
  const TaskSpec* gpqa = find_task("gpqa_diamond");
  EXPECT_EQ(gpqa->primary_mode, "flexible");
  EXPECT_TRUE(gpqa->shuffle_choices);
  EXPECT_EQ(find_task("math500")->breakdowns, (std::vector<std::string>{"subject", "level"}));
  EXPECT_EQ(find_task("aime42"), nullptr);
}

TEST(Tasks, DemoTasksReuseTheRealProtocols) {
  for (const auto& [demo, real] :
       {std::pair{"demo_aime", "aime24"}, std::pair{"demo_math", "math500"},
        std::pair{"demo_gpqa", "gpqa_diamond"}}) {
    const TaskSpec* d = find_task(demo);
    const TaskSpec* r = find_task(real);
    ASSERT_NE(d, nullptr) << demo;
    EXPECT_EQ(d->prompt_template, r->prompt_template) << demo;
    EXPECT_EQ(d->extractor, r->extractor) << demo;
    EXPECT_EQ(d->grader, r->grader) << demo;
    EXPECT_EQ(d->primary_mode, r->primary_mode) << demo;
    EXPECT_EQ(d->shuffle_choices, r->shuffle_choices) << demo;
  }
}

TEST(DemoSet, EveryFileLoadsWithItsTasksLoader) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("boxed_demo_set_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::map<std::string, size_t> expected = {
      {"demo_aime", 5}, {"demo_math", 6}, {"demo_gpqa", 4}};
  for (const DemoFile& file : demo_files()) {
    const std::filesystem::path path = dir / file.file_name;
    std::ofstream(path) << file.contents;
    const TaskSpec* spec = find_task(file.task);
    ASSERT_NE(spec, nullptr) << file.task;
    const LoadedDataset loaded = load_dataset(*spec, path.string(), {});
    EXPECT_EQ(loaded.problems.size(), expected.at(std::string(file.task))) << file.task;
    for (const Problem& p : loaded.problems) EXPECT_FALSE(p.answer.empty()) << p.id;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace boxed::datasets
