// report.html: a run's report as one self-contained page that opens offline (inline CSS, script
// and SVG charts; nothing fetched). Per task: the headline numbers with their intervals; pass@k
// and maj@k over k; a problems × samples grid coloured by outcome (correct, wrong, no answer,
// truncated, error) where clicking a cell shows that sample's extracted answer and text; the
// response-length distributions of correct and other samples; and the answer clusters behind
// each problem's cons@n vote. The comparison page shows two runs' numbers, the per-problem
// pass@1 differences and the problems whose majority answer flipped.
//
//   write_file_atomically(dir / "report.html", render_run_html(report));
//   std::string page = render_compare_html(base, cand, diffs, gate, warnings);
//
// Response texts are cut to their first and last 2,000 bytes in the page (samples.jsonl keeps
// them whole), so a 30 × 64 run of long R1 responses stays a few tens of MB.
#pragma once

#include <string>
#include <vector>

#include "reports/compare.h"
#include "reports/run_report.h"

namespace boxed::reports {

inline constexpr const char* kReportHtml = "report.html";

// report.samples may be empty (the grid then colours cells from each problem's correct_mask).
std::string render_run_html(const RunReport& report);

std::string render_compare_html(const RunReport& base, const RunReport& cand,
                                const std::vector<TaskDiff>& diffs, const GateResult& gate,
                                const std::vector<std::string>& warnings);

// Reads samples.jsonl back (the lines to_json(SampleRow) writes). Throws std::runtime_error
// naming the file and line of a malformed line.
std::vector<SampleRow> read_samples_file(const std::string& path);

}  // namespace boxed::reports
