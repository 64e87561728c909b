#include "reports/report_files.h"

#include <fmt/format.h>

#include <stdexcept>
#include <system_error>

#include "reports/atomic_file.h"
#include "reports/report_html.h"
#include "reports/report_markdown.h"

namespace boxed::reports {

void write_run_report(const RunReport& report, const std::filesystem::path& out_dir, bool include_text) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw std::runtime_error(fmt::format("{}: cannot create directory: {}", out_dir.string(), ec.message()));
  std::string samples;
  for (const SampleRow& s : report.samples) {
    nlohmann::json line = to_json(s);
    if (!include_text) line.erase("text");
    samples += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    samples += '\n';
  }
  // Invalid UTF-8 in a response (a truncated multi-byte character) is replaced, not fatal.
  const auto replace = nlohmann::json::error_handler_t::replace;
  write_file_atomically(out_dir / kSamplesJsonl, samples);
  write_file_atomically(out_dir / kReportMd, render_markdown(report));
  // The HTML page shows texts only where samples.jsonl keeps them.
  if (include_text) {
    write_file_atomically(out_dir / kReportHtml, render_run_html(report));
  } else {
    RunReport without_text = report;
    for (SampleRow& s : without_text.samples) s.text.reset();
    write_file_atomically(out_dir / kReportHtml, render_run_html(without_text));
  }
  write_file_atomically(out_dir / kReportJson, to_json(report).dump(2, ' ', false, replace) + "\n");
}

}  // namespace boxed::reports
