// report.html as text (the browser test checks it renders): one cell per problem × sample, each
// coloured by its outcome, every chart present, hostile response text kept inert, and
// samples.jsonl read back as it was written.
#include "reports/report_html.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "reports/html_parts.h"

namespace boxed::reports {
namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

RunReport two_by_three() {
  RunReport r;
  r.manifest.model = "m";
  TaskReport t{.task = "aime24", .display_name = "AIME 2024", .primary_mode = "strict",
               .n_samples = 3, .n_problems = 2};
  ModeMetrics m{.mode = "strict", .pass_at_1 = {.value = 0.5, .ci_lower = 0.2, .ci_upper = 0.8},
                .pass_at_k = {{1, 0.5}, {2, 0.66}}, .cons_at_n = 0.5, .maj_at_k = {{1, 0.5}, {2, 0.5}}};
  t.modes = {m};
  t.problems = {{.id = "60", .gold = "204", .n = 3, .correct = 2, .correct_mask = "110",
                 .top_answers = {{"204", 2, true}, {"</script><b>x", 1, false}}},
                {.id = "61", .gold = "113", .n = 3, .correct = 1, .correct_mask = "001"}};
  r.tasks = {t};
  auto sample = [](std::string p, int s, std::optional<std::string> a, bool ok, std::string finish) {
    return SampleRow{.task = "aime24", .problem_id = p, .sample = s, .answer_strict = a,
                     .correct = ok, .finish_reason = finish, .completion_tokens = 100 + s,
                     .text = "text </script><script>alert(1)</script>"};
  };
  r.samples = {sample("60", 0, "204", true, "stop"), sample("60", 1, "204", true, "stop"),
               sample("60", 2, "</script><b>x", false, "stop"), sample("61", 0, std::nullopt, false, "stop"),
               sample("61", 1, std::nullopt, false, "length"), sample("61", 2, "113", true, "stop")};
  return r;
}

TEST(ReportHtml, OneColouredCellPerSampleAndEveryChart) {
  const std::string page = render_run_html(two_by_three());
  EXPECT_EQ(count(page, "<rect class=\"cell\""), 6u);
  EXPECT_EQ(count(page, std::string("fill=\"") + html::kCorrect + "\"><title>60 #"), 2u);
  EXPECT_EQ(count(page, std::string("fill=\"") + html::kWrong + "\"><title>60 #2"), 1u);
  EXPECT_EQ(count(page, std::string("fill=\"") + html::kNoAnswer + "\"><title>61 #0"), 1u);
  EXPECT_EQ(count(page, std::string("fill=\"") + html::kTruncated + "\"><title>61 #1"), 1u);
  for (const char* id : {"id=\"atk-aime24\"", "id=\"lengths-aime24\"", "id=\"clusters-aime24\""}) {
    EXPECT_EQ(count(page, id), 1u) << id;
  }
  EXPECT_NE(page.find("50.0%"), std::string::npos);
  EXPECT_NE(page.find("95% CI [20.0, 80.0]"), std::string::npos);
}

TEST(ReportHtml, ResponseTextCannotEscapeItsScriptOrMarkup) {
  const std::string page = render_run_html(two_by_three());
  // Only the page's own scripts close: the one inline script and the samples block.
  EXPECT_EQ(count(page, "</script>"), 2u);
  // Markup in an answer appears only escaped: &lt;b&gt; in markup, \u003c in the JSON block.
  EXPECT_EQ(page.find("<b>x"), std::string::npos);
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_NE(page.find("\\u003c/script>\\u003cscript>alert"), std::string::npos);
  EXPECT_NE(page.find("&lt;/script&gt;&lt;b&gt;x"), std::string::npos);
  EXPECT_EQ(html::escape("<a href='x'>&\""), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
  EXPECT_EQ(html::script_safe("\"</script>\""), "\"\\u003c/script>\"");
}

TEST(ReportHtml, SamplesJsonlReadsBackAsWritten) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("boxed_report_html_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const RunReport r = two_by_three();
  {
    std::ofstream out(dir / "samples.jsonl");
    for (const SampleRow& s : r.samples) out << to_json(s).dump() << "\n";
  }
  const std::vector<SampleRow> back = read_samples_file((dir / "samples.jsonl").string());
  ASSERT_EQ(back.size(), r.samples.size());
  for (size_t i = 0; i < back.size(); ++i) EXPECT_EQ(to_json(back[i]), to_json(r.samples[i])) << i;
  {
    std::ofstream out(dir / "bad.jsonl");
    out << to_json(r.samples[0]).dump() << "\n{\"task\": 1}\n";
  }
  try {
    read_samples_file((dir / "bad.jsonl").string());
    FAIL() << "a malformed line must be an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace boxed::reports
