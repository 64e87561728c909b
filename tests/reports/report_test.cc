#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

#include "reports/compare.h"
#include "reports/report_files.h"
#include "reports/report_html.h"
#include "reports/report_markdown.h"
#include "reports/run_report.h"
#include "reports/table.h"

namespace boxed::reports {
namespace {

// A small report written out field by field (not produced by the scoring code).
RunReport sample_report(const std::string& model, double pass1, const std::string& mask_a = "1101",
                        const std::string& mask_b = "0000") {
  RunReport r;
  r.manifest = {.boxed_version = "0.1.0", .grader_version = "boxed-grader/1", .created_at = "2026-01-01T00:00:00Z",
                .host = "h", .model = model, .backend = "replay", .engine_details = {{"dtype", "bf16"}},
                .sampling = {{"temperature", 0.6}, {"top_p", 0.95}}, .seed = 7,
                .command_line = {"boxed", "score"}, .generation_seconds = 12.5, .scoring_seconds = 0.25};
  TaskReport t;
  t.task = "aime24";
  t.display_name = "AIME 2024";
  t.spec_version = "aime24/1";
  t.dataset_path = "aime24.jsonl";
  t.dataset_sha256 = std::string(64, 'a');
  t.prompt_template = "{problem}\nPlease reason step by step, and put your final answer within \\boxed{}.";
  t.extractor = "integer";
  t.grader = "integer";
  t.primary_mode = "strict";
  t.tie_policy = "expected";
  t.bootstrap_seed = 3;
  t.bootstrap_resamples = 1000;
  t.n_samples = 4;
  t.n_problems = 2;
  ModeMetrics strict{.mode = "strict", .pass_at_1 = {pass1, 0.02, pass1 - 0.05, pass1 + 0.04, 0.95},
                     .pass_at_k = {{1, pass1}, {2, 0.5}, {4, 0.5}}, .cons_at_n = 0.5,
                     .maj_at_k = {{1, 0.5}, {2, 0.5}, {4, 0.5}}, .no_answer_rate = 0.125};
  ModeMetrics flexible = strict;
  flexible.mode = "flexible";
  flexible.pass_at_1.value = pass1 + 0.01;
  t.modes = {strict, flexible};
  t.accounting = {.n_samples = 8, .n_truncated = 1, .n_errors = 0, .n_no_answer = 1, .n_from_thinking = 0,
                  .truncation_rate = 0.125, .error_rate = 0, .no_answer_rate = 0.125, .from_thinking_rate = 0,
                  .completion_tokens = {100, 90, 180, 200}};
  t.problems.push_back({.id = "60", .gold = "204", .choice_order = {}, .attributes = {}, .n = 4, .correct = 3,
                        .pass_at_1 = 0.75, .correct_mask = mask_a, .correct_strict = 3, .correct_flexible = 3,
                        .majority_answer = "204", .majority_count = 3, .majority_correct = mask_a != "0000",
                        .majority_credit = 1, .tie = false, .top_answers = {{"204", 3, true}, {"5|6", 1, false}},
                        .partial = false});
  t.problems.push_back({.id = "61", .gold = "025", .choice_order = {2, 0, 1, 3}, .attributes = {{"level", "3"}},
                        .n = 4, .correct = 0, .pass_at_1 = 0, .correct_mask = mask_b, .correct_strict = 0,
                        .correct_flexible = 0, .majority_answer = std::nullopt, .majority_count = 0,
                        .majority_correct = mask_b == "1111", .majority_credit = 0, .tie = false, .top_answers = {},
                        .partial = false});
  t.breakdowns.push_back({"level", "3", 1, 0.0, 0.0});
  r.tasks = {t};
  return r;
}

TEST(RunReportJson, RoundTripsEveryField) {
  const RunReport r = sample_report("m", 0.375);
  const nlohmann::json j = to_json(r);
  EXPECT_EQ(j.at("schema"), "boxed.report/1.1");
  const RunReport back = report_from_json(j, "report.json");
  EXPECT_EQ(to_json(back), j);
  EXPECT_EQ(back.tasks[0].problems[1].choice_order, (std::vector<int>{2, 0, 1, 3}));
  EXPECT_FALSE(back.tasks[0].problems[1].majority_answer.has_value());
  EXPECT_EQ(back.tasks[0].primary().mode, "strict");
  EXPECT_DOUBLE_EQ(back.tasks[0].modes[1].pass_at_1.value, 0.385);
}

void expect_read_error(const nlohmann::json& j, const std::string& message) {
  try {
    report_from_json(j, "r.json");
    ADD_FAILURE() << "no error; expected " << message;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(RunReportJson, ErrorsNameTheJsonPath) {
  nlohmann::json j = to_json(sample_report("m", 0.375));
  nlohmann::json k = j;
  k["schema"] = "boxed.report/2.0";
  expect_read_error(k, "r.json: schema: expected boxed.report/1.x, found 'boxed.report/2.0'");
  k = j;
  k["schema"] = "boxed.report/1.7";  // a newer minor version is readable
  EXPECT_NO_THROW(report_from_json(k, "r.json"));
  k = j;
  k["tasks"][0]["modes"][1]["pass@1"].erase("value");
  expect_read_error(k, "r.json: tasks[0].modes[1].pass@1.value: missing");
  k = j;
  k["tasks"][0]["problems"][0]["n"] = "4";
  expect_read_error(k, "r.json: tasks[0].problems[0].n: expected an integer, found string");
  k = j;
  k["tasks"][0]["problems"][0]["correct_mask"] = "11";
  expect_read_error(k, "tasks[0].problems[0].correct_mask: expected 4 characters (n_samples), found 2");
}

TEST(Samples, OneJsonObjectPerResponse) {
  const SampleRow s{.task = "aime24", .problem_id = "60", .sample = 3, .answer_strict = std::nullopt,
                    .answer_flexible = "25", .source = "marker", .correct_strict = false, .correct_flexible = true,
                    .correct = false, .from_thinking = true, .finish_reason = "length", .completion_tokens = 32768,
                    .text = "..."};
  const nlohmann::json j = to_json(s);
  EXPECT_TRUE(j.at("answer_strict").is_null());
  EXPECT_EQ(j.at("answer_flexible"), "25");
  EXPECT_EQ(j.at("finish_reason"), "length");
  EXPECT_EQ(j.at("completion_tokens"), 32768);
  EXPECT_EQ(j.at("text"), "...");
}

TEST(Markdown, ShowsBothModesPrimaryAndEscapesCells) {
  const std::string md = render_markdown(sample_report("m", 0.375));
  EXPECT_NE(md.find("| metric | strict (primary) | flexible |"), std::string::npos) << md;
  EXPECT_NE(md.find("| pass@1 (95% CI) | **37.5** [32.5, 41.5] ± se 2.0 | **38.5** [32.5, 41.5] ± se 2.0 |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("`5\\|6`×1"), std::string::npos);  // a pipe in an answer does not break the table
  EXPECT_NE(md.find("truncated (finish `length`) 1 (12.5%)"), std::string::npos);
  EXPECT_NE(md.find("| level | 3 | 1 | 0.0 | 0.0 |"), std::string::npos);
}

TEST(ReportFiles, WritesFourFilesAndNoTemporaries) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("boxed_report_files_" + std::to_string(::getpid()));
  RunReport r = sample_report("m", 0.375);
  r.samples.push_back({.task = "aime24", .problem_id = "60", .sample = 0, .text = "bad utf-8 \xC3"});
  write_run_report(r, dir / "sub", /*include_text=*/false);
  for (const char* name : {kReportJson, kSamplesJsonl, kReportMd, kReportHtml}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "sub" / name)) << name;
  }
  std::ifstream samples(dir / "sub" / kSamplesJsonl);
  std::string line;
  std::getline(samples, line);
  EXPECT_EQ(line.find("\"text\""), std::string::npos);
  write_run_report(r, dir / "sub", /*include_text=*/true);  // invalid UTF-8 is replaced, not fatal
  std::ifstream again(dir / "sub" / kSamplesJsonl);
  std::getline(again, line);
  EXPECT_NE(line.find("bad utf-8 \xEF\xBF\xBD"), std::string::npos);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir / "sub")) files += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 4);  // report.json, samples.jsonl, report.md, report.html; no temporaries
  std::filesystem::remove_all(dir);
}

TEST(Table, LayoutCellsAndReferenceDifferences) {
  Reference ref;
  ref.source = "DeepSeek-R1 Table 5";
  ref.models.push_back({"DeepSeek-R1-Distill-Qwen-7B", {}, {{"aime24/pass@1", 0.555}, {"aime24/cons@64", 0.833}}});
  std::vector<NamedReport> reports = {{"a/report.json", sample_report("/models/DeepSeek-R1-Distill-Qwen-7B", 0.5)},
                                      {"b/report.json", sample_report("", 0.25)}};
  reports[1].report.tasks[0].task = "aime25";
  reports[1].report.tasks[0].display_name = "AIME 2025";
  const std::string md = render_table(reports, &ref);
  EXPECT_NE(md.find("| Model | AIME 2024 pass@1 | AIME 2024 cons@64 | MATH-500 pass@1 | GPQA Diamond pass@1 | "
                    "AIME 2025 pass@1 |"), std::string::npos) << md;
  // pass@1 0.5 with CI [0.45, 0.54]: ± half-width 4.5; cons@n over 4 samples shows its n.
  EXPECT_NE(md.find("| /models/DeepSeek-R1-Distill-Qwen-7B | 50.0 ± 4.5 | 50.0 (n=4) | — | — | — |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("| DeepSeek-R1-Distill-Qwen-7B (published) | 55.5 | 83.3 | — | — | — |"), std::string::npos);
  EXPECT_NE(md.find("| Δ /models/DeepSeek-R1-Distill-Qwen-7B − published | -5.5 | -33.3 | — | — | — |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("| b | — | — | — | — | 25.0 ± 4.5 |"), std::string::npos) << md;  // row named by its folder
  EXPECT_NE(md.find("No published values for 'b'."), std::string::npos);
  reports.push_back(reports[0]);
  EXPECT_THROW(render_table(reports, nullptr), std::runtime_error);  // same model, same task twice
}

TEST(Table, ReferenceFileInTheRepositoryHasTheSixDistilledModels) {
  const char* dir = std::getenv("BOXED_SOURCE_DIR");
  const Reference ref = read_reference(std::string(dir ? dir : ".") + "/reports/reference/deepseek_r1_distill.json");
  ASSERT_EQ(ref.models.size(), 6u);
  const ReferenceModel* m = ref.find("some/dir/deepseek-r1-distill-llama-70b/");
  ASSERT_NE(m, nullptr);
  EXPECT_NEAR(m->values.at("gpqa_diamond/pass@1"), 0.652, 1e-12);
  EXPECT_NEAR(ref.find("DeepSeek-R1-Distill-Qwen-1.5B")->values.at("aime24/cons@64"), 0.527, 1e-12);
  EXPECT_EQ(ref.find("Qwen2.5-7B"), nullptr);
}

TEST(Compare, PairsByIdAndListsFlips) {
  const RunReport base = sample_report("m", 0.375, "1101", "0000");
  RunReport cand = sample_report("m", 0.25, "0000", "1111");
  std::swap(cand.tasks[0].problems[0], cand.tasks[0].problems[1]);  // order does not matter
  std::vector<std::string> warnings;
  const std::vector<PairedTask> pairs = pair_tasks(base, cand, &warnings);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(pairs[0].ids, (std::vector<std::string>{"60", "61"}));
  EXPECT_EQ(pairs[0].base[0].correct, 3);
  EXPECT_EQ(pairs[0].cand[0].correct, 0);
  EXPECT_EQ(pairs[0].cand[1].correct, 4);
  TaskDiff d{.task = "aime24"};
  fill_flips(pairs[0], d);
  EXPECT_EQ(d.lost, (std::vector<std::string>{"60"}));
  EXPECT_EQ(d.gained, (std::vector<std::string>{"61"}));
  EXPECT_EQ(counts_of_mask("1-0-1").n, 3);
  EXPECT_EQ(counts_of_mask("1-0-1").correct, 2);
}

TEST(Compare, PairingErrorsAndWarnings) {
  const RunReport base = sample_report("m", 0.375);
  RunReport other = base;
  other.tasks[0].problems.pop_back();
  EXPECT_THROW(pair_tasks(base, other, nullptr), std::runtime_error);
  other = base;
  other.tasks[0].task = "math500";
  EXPECT_THROW(pair_tasks(base, other, nullptr), std::runtime_error);  // nothing in common
  other = base;
  other.tasks[0].dataset_sha256 = std::string(64, 'b');
  std::vector<std::string> warnings;
  pair_tasks(base, other, &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("dataset files differ"), std::string::npos);
}

TEST(Compare, GateOnLowerBoundAndMinimums) {
  const RunReport cand = sample_report("m", 0.375);
  const std::vector<TaskDiff> diffs = {{.task = "aime24", .n_problems = 2, .base = 0.4, .cand = 0.375,
                                        .diff = -0.025, .lower_one_sided = -0.049}};
  constexpr GateTest kNi = GateTest::kNonInferiority;
  EXPECT_TRUE(evaluate_gate(diffs, cand, {.test = kNi, .max_drop_points = 5}).pass);  // -4.9 > -5
  EXPECT_FALSE(evaluate_gate(diffs, cand, {.test = kNi, .max_drop_points = 4.9}).pass);  // -4.9 is not > -4.9
  // Significant drop (default): needs diff < -max_drop AND the upper bound below 0.
  std::vector<TaskDiff> drop = {{.task = "aime24", .diff = -0.06, .upper_one_sided = -0.01}};
  EXPECT_FALSE(evaluate_gate(drop, cand, {.max_drop_points = 5}).pass);
  EXPECT_TRUE(evaluate_gate(drop, cand, {.max_drop_points = 6}).pass);  // -6 is not below -6
  drop[0].upper_one_sided = 0.001;                                      // not significant
  EXPECT_TRUE(evaluate_gate(drop, cand, {.max_drop_points = 5}).pass);
  EXPECT_TRUE(evaluate_gate(diffs, cand, {.max_drop_points = 1}).pass);  // upper bound 0: not significant
  // Detectable drop: max(m, z_a se) + z_p se; non-inferiority: (z_a + z_p) se.
  EXPECT_NEAR(detectable_drop(GateTest::kSignificantDrop, 0.02, 0.05, 1.645, 0.8416), 0.05 + 0.8416 * 0.02, 1e-12);
  EXPECT_NEAR(detectable_drop(GateTest::kSignificantDrop, 0.04, 0.05, 1.645, 0.8416), 2.4866 * 0.04, 1e-12);
  EXPECT_NEAR(detectable_drop(kNi, 0.04, 0.05, 1.645, 0.8416), 2.4866 * 0.04, 1e-12);
  GateOptions o{.max_drop_points = 5};
  o.mins = {parse_min_requirement("aime24:pass@1=37.5")};
  EXPECT_TRUE(evaluate_gate(diffs, cand, o).pass);
  o.mins = {parse_min_requirement("aime24:pass@2=50.1")};
  EXPECT_FALSE(evaluate_gate(diffs, cand, o).pass);
  o.mins = {parse_min_requirement("aime24:cons@4=50"), parse_min_requirement("aime24:maj@2=50")};
  EXPECT_TRUE(evaluate_gate(diffs, cand, o).pass);
  o.mins = {parse_min_requirement("math500:pass@1=1")};
  EXPECT_THROW(evaluate_gate(diffs, cand, o), std::runtime_error);
  EXPECT_THROW(parse_min_requirement("aime24pass@1=3"), std::invalid_argument);
  EXPECT_THROW(parse_min_requirement("aime24:pass@1="), std::invalid_argument);
  EXPECT_THROW(parse_min_requirement("aime24:pass@1=abc"), std::invalid_argument);
  EXPECT_THROW(parse_min_requirement("aime24:pass@1=150"), std::invalid_argument);
}

}  // namespace
}  // namespace boxed::reports
