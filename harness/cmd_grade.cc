// `boxed grade`: is each predicted answer equal to its gold? JSONL with "gold" and "pred" in;
// the same lines out with "pred_answer" and "equal" added; a summary on stderr.
#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <iostream>

#include "harness/answer_jsonl.h"
#include "harness/commands.h"
#include "metrics/extract.h"
#include "metrics/grade.h"

namespace boxed::harness {
namespace {

// `pred` may be a bare answer ("\\frac12", "$0.5$") or a whole response. A box anywhere wins; a
// short single line without one is the answer itself; otherwise the response is searched as
// `extract --mode <mode>` would.
std::optional<std::string> predicted_answer(const std::string& pred, metrics::AnswerFormat format,
                                            metrics::ExtractMode mode) {
  metrics::Extraction boxed = metrics::extract_answer(pred, format, metrics::ExtractMode::kStrict);
  if (boxed.answer) return boxed.answer;
  const bool bare = pred.size() <= 200 && pred.find('\n') == std::string::npos &&
                    pred.find("</think>") == std::string::npos;
  if (bare) {
    if (pred.find_first_not_of(" \t\r") == std::string::npos) return std::nullopt;
    // "Answer $ 9 $": a one-line answer with a marker is read after the marker.
    metrics::Extraction marked = metrics::extract_answer(pred, format, metrics::ExtractMode::kFlexible);
    if (marked.source == metrics::AnswerSource::kMarker) return marked.answer;
    return pred;
  }
  return metrics::extract_answer(pred, format, mode).answer;
}

}  // namespace

void add_grade_command(CLI::App& app, int& /*exit_code*/) {
  CLI::App* cmd = app.add_subcommand(
      "grade",
      "Grade predicted answers against gold answers.\n"
      "Reads JSONL lines with \"gold\" and \"pred\" (a bare answer such as \\frac12 or $0.5$, or a\n"
      "whole response, which is extracted first) and writes the same lines to stdout with\n"
      "\"pred_answer\" (the answer graded, or null) and \"equal\" (true/false). A summary goes to\n"
      "stderr with the grader version.");
  struct Options {
    std::string task;
    std::string mode = "flexible";
    std::string input = "-";
  };
  auto options = std::make_shared<Options>();
  cmd->add_option("--task", options->task,
                  "Answer format: math (MATH-style equivalence), aime (integer), gpqa (letter)")
      ->required();
  cmd->add_option("--mode", options->mode,
                  "Extraction mode for whole responses without a \\boxed{}: strict or flexible")
      ->capture_default_str();
  cmd->add_option("input", options->input, "JSONL file to read, or - for stdin")
      ->capture_default_str();
  cmd->callback([options] {
    const metrics::AnswerFormat format = task_format(options->task);
    const metrics::ExtractMode mode = extract_mode(options->mode);
    std::vector<JsonlRow> rows = read_jsonl_objects(options->input);
    std::vector<std::string> golds(rows.size()), preds(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      golds[i] = string_field(rows[i], options->input, "gold");
      preds[i] = string_field(rows[i], options->input, "pred");
    }
    std::vector<char> equal(rows.size(), 0);
    std::vector<std::optional<std::string>> answers(rows.size());
    tbb::parallel_for(std::size_t{0}, rows.size(), [&](std::size_t i) {
      answers[i] = predicted_answer(preds[i], format, mode);
      // A gold may be a whole reference solution: its (trusted) box is the answer.
      std::string gold = golds[i];
      if (gold.find("\\boxed") != std::string::npos || gold.find("\\fbox") != std::string::npos) {
        auto boxed = metrics::extract_answer(gold, format, metrics::ExtractMode::kStrict).answer;
        if (boxed) gold = *boxed;
      }
      equal[i] = answers[i] && metrics::answers_equal(gold, *answers[i], format);
    });
    std::size_t n_equal = 0, n_missing = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      auto& v = rows[i].value;
      v["pred_answer"] = answers[i] ? nlohmann::ordered_json(*answers[i]) : nlohmann::ordered_json(nullptr);
      v["equal"] = equal[i] != 0;
      n_equal += equal[i] ? 1 : 0;
      n_missing += answers[i] ? 0 : 1;
      std::cout << v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    }
    std::cout.flush();
    const double pct = rows.empty() ? 0.0 : 100.0 * static_cast<double>(n_equal) / rows.size();
    fmt::print(stderr, "grade: {} of {} equal ({:.2f}%), {} without an answer; task {}, {}\n",
               n_equal, rows.size(), pct, n_missing, options->task, metrics::grader_version());
  });
}

}  // namespace boxed::harness
