// report.md: the report for people — manifest, per task the headline numbers of both extraction
// modes side by side (primary marked), accounting, breakdowns and the per-problem table.
// Percentages here; report.json keeps fractions.
//
//   std::string md = render_markdown(report);
#pragma once

#include <string>

#include "reports/run_report.h"

namespace boxed::reports {

std::string render_markdown(const RunReport& report);

// "28.9" for 0.2891: a fraction as percentage points with one decimal.
std::string percent(double fraction);

}  // namespace boxed::reports
