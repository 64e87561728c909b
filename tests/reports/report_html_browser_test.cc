// report.html in a real browser: headless Chromium loads the report of a small demo run and of a
// comparison of two runs, with no script error, every chart present and the grid's cell count
// equal to problems × samples (the page's script writes what it counts into data-* attributes of
// <body>, read back with --dump-dom). A screenshot of each is kept in the build directory
// (test-artefacts/). Skips with a message when no Chromium is installed (CI installs it:
// scripts/run.sh test).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "tests/support/run_boxed.h"

namespace boxed::reports {
namespace {

namespace fs = std::filesystem;

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
    for (const char* dir : {"/usr/bin", "/usr/local/bin", "/snap/bin"}) {
      const fs::path p = fs::path(dir) / name;
      if (fs::exists(p)) return p.string();
    }
  }
  return "";
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[65536];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The attribute of <body> in a dumped DOM, or "" when absent.
std::string body_attribute(const std::string& dom, const std::string& name) {
  const std::smatch none;
  const size_t body = dom.find("<body");
  if (body == std::string::npos) return "";
  const std::string tag = dom.substr(body, dom.find('>', body) - body);
  const std::regex re(name + "=\"([^\"]*)\"");
  std::smatch m;
  return std::regex_search(tag, m, re) ? m[1].str() : "";
}

class ReportHtmlBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = find_chromium();
    if (chromium_.empty()) {
      GTEST_SKIP() << "no Chromium found (chromium, chromium-browser, google-chrome): the "
                      "report.html browser test needs it (apt-get install chromium)";
    }
    dir_ = fs::temp_directory_path() / ("boxed_report_html_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    artefacts_ = fs::path(BOXED_BINARY_PATH).parent_path().parent_path() / "test-artefacts";
    fs::create_directories(artefacts_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Loads the page headless; returns the DOM after the page's script ran. Also saves a screenshot.
  std::string load(const fs::path& page, const std::string& screenshot_name,
                   const std::string& hash = "") {
    const std::string flags = "--headless --no-sandbox --disable-gpu --no-first-run "
                              "--user-data-dir=" + (dir_ / "profile").string() +
                              " --virtual-time-budget=10000";
    const std::string url = "file://" + fs::absolute(page).string();
    const std::string dom =
        run(chromium_ + " " + flags + " --enable-logging=stderr --v=0 --dump-dom '" + url + hash + "' 2>" +
            (dir_ / "console.txt").string());
    console_ = read_file(dir_ / "console.txt");
    run(chromium_ + " " + flags + " --hide-scrollbars --window-size=1280,1800 --screenshot=" +
        (artefacts_ / screenshot_name).string() + " '" + url + "' >/dev/null 2>&1");
    return dom;
  }

  std::string chromium_;
  fs::path dir_, artefacts_;
  std::string console_;
};

int expected_cells(const fs::path& report_json) {
  std::ifstream in(report_json);
  const nlohmann::json r = nlohmann::json::parse(in);
  int cells = 0;
  for (const auto& t : r.at("tasks")) cells += t.at("n_problems").get<int>() * t.at("n_samples").get<int>();
  return cells;
}

TEST_F(ReportHtmlBrowserTest, DemoReportAndComparisonLoadWithEveryChartAndTheWholeGrid) {
  const std::string common = " --quiet --samples 4 --max-tokens 24 --out ";
  const auto a = testing::run_boxed("demo" + common + (dir_ / "a").string());
  ASSERT_EQ(a.exit_code, 0) << a.output;
  const auto b = testing::run_boxed("demo --seed 7" + common + (dir_ / "b").string());
  ASSERT_EQ(b.exit_code, 0) << b.output;
  const fs::path page = dir_ / "a" / "run" / "report.html";
  ASSERT_TRUE(fs::exists(page));

  // `boxed report --html` rebuilds the same page from report.json and samples.jsonl.
  const auto again = testing::run_boxed("report " + (dir_ / "a" / "run").string() + " --html --out " +
                                        (dir_ / "again.html").string());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(read_file(dir_ / "again.html"), read_file(page));

  const auto cmp = testing::run_boxed("compare " + (dir_ / "a" / "run" / "report.json").string() + " " +
                                      (dir_ / "b" / "run" / "report.json").string() + " --html " +
                                      (dir_ / "compare.html").string());
  ASSERT_TRUE(cmp.exit_code == 0 || cmp.exit_code == 1) << cmp.output;
  ASSERT_TRUE(fs::exists(dir_ / "compare.html")) << cmp.output;

  const int cells = expected_cells(dir_ / "a" / "run" / "report.json");
  ASSERT_EQ(cells, 15 * 4);  // the demo: 5 + 6 + 4 problems, 4 samples each
  const std::string dom = load(page, "report_html_demo.png", "#selftest");
  EXPECT_EQ(body_attribute(dom, "data-ready"), "1") << "the page's script did not finish\n" << console_;
  EXPECT_EQ(body_attribute(dom, "data-js-errors"), "0") << console_;
  EXPECT_EQ(body_attribute(dom, "data-cells"), std::to_string(cells));
  EXPECT_EQ(body_attribute(dom, "data-charts"), std::to_string(3 * 3));  // 3 tasks × 3 charts
  // Clicking a cell shows that sample in its task's panel, for each of the three grids.
  EXPECT_EQ(body_attribute(dom, "data-panels-shown"), "3");
  for (const std::string task : {"demo_aime", "demo_math", "demo_gpqa"}) {
    for (const std::string chart : {"atk-", "lengths-", "clusters-"}) {
      EXPECT_NE(dom.find("id=\"" + chart + task + "\""), std::string::npos) << chart << task;
    }
  }
  EXPECT_EQ(console_.find("Uncaught"), std::string::npos) << console_;
  EXPECT_GT(fs::file_size(artefacts_ / "report_html_demo.png"), 10'000u);

  const std::string cdom = load(dir_ / "compare.html", "report_html_compare.png");
  EXPECT_EQ(body_attribute(cdom, "data-ready"), "1") << console_;
  EXPECT_EQ(body_attribute(cdom, "data-js-errors"), "0") << console_;
  EXPECT_EQ(body_attribute(cdom, "data-charts"), std::to_string(3 * 2));  // curves + differences
  EXPECT_NE(cdom.find("id=\"diff-demo_math\""), std::string::npos);
  EXPECT_EQ(console_.find("Uncaught"), std::string::npos) << console_;
  EXPECT_GT(fs::file_size(artefacts_ / "report_html_compare.png"), 10'000u);
}

}  // namespace
}  // namespace boxed::reports
