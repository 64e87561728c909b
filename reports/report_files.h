// Writes a RunReport as the files of a run directory, each atomically (temporary name, then
// rename): report.json, samples.jsonl (one line per response), report.md and report.html
// (reports/report_html.h).
//
//   write_run_report(report, "out/", /*include_text=*/true);
#pragma once

#include <filesystem>

#include "reports/run_report.h"

namespace boxed::reports {

inline constexpr const char* kReportJson = "report.json";
inline constexpr const char* kSamplesJsonl = "samples.jsonl";
inline constexpr const char* kReportMd = "report.md";

// Creates out_dir if needed. Throws std::runtime_error naming the path on any failure.
void write_run_report(const RunReport& report, const std::filesystem::path& out_dir, bool include_text);

}  // namespace boxed::reports
