// Building blocks of the HTML reports (report_html.h): escaping, a page skeleton with its CSS and
// script inline, and charts drawn as inline SVG, so a report is one file that opens offline and
// needs no charting library. Every chart is an <svg class="chart" id="..."> (the browser test
// counts them).
//
//   std::string svg = svg_line_chart("atk-aime24", "pass@k and maj@k", {{"pass@k", "#2e9d57",
//                                    {{1, 0.3}, {2, 0.42}}}}, "k", /*log2_x=*/true);
//   std::string page = html_page("boxed report", body_html);
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace boxed::reports::html {

// Text and attribute values: & < > " ' escaped.
std::string escape(std::string_view text);
// JSON for a <script type="application/json"> block: every '<' written \u003c, so response text
// cannot end the script early.
std::string script_safe(std::string json);
// 0.2891 -> "28.9"
std::string pct(double fraction);

// Colours of a sample's outcome, shared by the grid, the legend and the charts.
inline constexpr const char* kCorrect = "#2e9d57";
inline constexpr const char* kWrong = "#d1495b";
inline constexpr const char* kNoAnswer = "#b8b8b8";
inline constexpr const char* kTruncated = "#f0a202";
inline constexpr const char* kError = "#5c3c92";

struct Series {
  std::string name;
  std::string color;
  std::vector<std::pair<double, double>> points;  // (x, y), y a fraction in [0, 1]
};
// y from 0 to 100 %; x on a log2 axis when log2_x (k = 1, 2, 4, ...), ticks at the points' x.
std::string svg_line_chart(const std::string& id, const std::string& title,
                           const std::vector<Series>& series, const std::string& x_label,
                           bool log2_x);

struct Distribution {
  std::string name;
  std::string color;
  std::vector<double> values;
};
// Histograms of several distributions over shared bins (20 between the overall min and max),
// drawn as translucent overlaid bars, each with its count and mean in the legend.
std::string svg_histogram(const std::string& id, const std::string& title,
                          const std::vector<Distribution>& distributions,
                          const std::string& x_label);

struct Bar {
  std::string label;  // the row's name (a problem id)
  double value = 0;   // signed; drawn left or right of zero
  std::string color;
  std::string tooltip;
};
// One horizontal bar per row, around a zero line, scaled to the largest |value| (or `scale`).
std::string svg_bars(const std::string& id, const std::string& title, const std::vector<Bar>& bars,
                     double scale, const std::string& value_suffix);

// The whole document: <!doctype html>, the inline CSS and script, `body` inside <body>.
std::string html_page(const std::string& title, const std::string& body);

}  // namespace boxed::reports::html
