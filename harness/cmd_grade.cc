// `boxed grade`: is each predicted answer equal to its gold? JSONL with "gold" and "pred" in;
// the same lines out with "pred_answer" and "equal" added; a summary on stderr.
#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <cctype>
#include <iostream>

#include "harness/answer_jsonl.h"
#include "harness/commands.h"
#include "metrics/extract.h"
#include "metrics/grade.h"

namespace boxed::harness {
namespace {

// True when `text` holds an English word (two or more letters not after a backslash): "There
// are 25 ways." is a sentence, "\\frac{1}{2}" and "x^2+1" are not.
bool has_word(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\') {
      while (i + 1 < text.size() && std::isalpha(static_cast<unsigned char>(text[i + 1]))) ++i;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(text[i])) && i + 1 < text.size() &&
        std::isalpha(static_cast<unsigned char>(text[i + 1]))) {
      return true;
    }
  }
  return false;
}

// `pred` may be a bare answer ("\\frac12", "$0.5$", "C") or a whole response. A box anywhere
// wins. A short single line is the answer itself unless it is a sentence with an answer marker
// ("Answer $ 9 $", "the answer is (C)"), a sentence around math ("So it is $\\sin x$.") or, for
// integer and choice tasks, a sentence ("There are 25 ways."), which is searched as
// `extract --mode flexible` would. Longer text is searched with
// the given mode.
std::optional<std::string> predicted_answer(const std::string& pred, metrics::AnswerFormat format,
                                            metrics::ExtractMode mode) {
  metrics::Extraction boxed = metrics::extract_answer(pred, format, metrics::ExtractMode::kStrict);
  if (boxed.answer) return boxed.answer;
  const bool bare = pred.size() <= 200 && pred.find('\n') == std::string::npos &&
                    pred.find("</think>") == std::string::npos;
  if (!bare) return metrics::extract_answer(pred, format, mode).answer;
  if (pred.find_first_not_of(" \t\r") == std::string::npos) return std::nullopt;
  const metrics::Extraction flexible =
      metrics::extract_answer(pred, format, metrics::ExtractMode::kFlexible);
  if (flexible.source == metrics::AnswerSource::kMarker) return flexible.answer;
  switch (format) {
    case metrics::AnswerFormat::kMath:
      // "So it is $\\sin x$.": a sentence around its math.
      if (has_word(pred) && flexible.source == metrics::AnswerSource::kLatex) return flexible.answer;
      return pred;
    case metrics::AnswerFormat::kInteger:
      return has_word(pred) ? flexible.answer : std::optional<std::string>(pred);
    case metrics::AnswerFormat::kChoice:
      if (flexible.source == metrics::AnswerSource::kChoicePattern ||
          flexible.source == metrics::AnswerSource::kChoiceLine ||
          flexible.source == metrics::AnswerSource::kChoiceSentence) {
        return flexible.answer;
      }
      return pred;
  }
  return pred;
}

// A gold may be a whole reference solution: its (trusted) box is the answer.
std::string gold_answer(const std::string& gold, metrics::AnswerFormat format) {
  if (gold.find("\\boxed") != std::string::npos || gold.find("\\fbox") != std::string::npos) {
    auto boxed = metrics::extract_answer(gold, format, metrics::ExtractMode::kStrict).answer;
    if (boxed) return *boxed;
  }
  return gold;
}

// `--gold G --pred P`: what a person auditing a disputed sample needs, in words.
void explain_pair(const std::string& gold_text, const std::string& pred, metrics::AnswerFormat format,
                  metrics::ExtractMode mode) {
  const std::string gold = gold_answer(gold_text, format);
  const std::optional<std::string> answer = predicted_answer(pred, format, mode);
  const metrics::Extraction e = metrics::extract_answer(pred, format, mode);
  fmt::print("gold:              {}\n", gold);
  fmt::print("  normalized:      {}\n", metrics::normalize_answer(gold, format));
  fmt::print("pred:              {}\n", pred.size() > 200 ? pred.substr(0, 200) + " ..." : pred);
  fmt::print("  extracted:       {}  (source: {}{})\n", answer.value_or("(none)"),
             answer && e.answer == answer ? metrics::to_string(e.source) : "the answer as given",
             e.from_thinking && answer && e.answer == answer ? ", from thinking" : "");
  if (answer) fmt::print("  normalized:      {}\n", metrics::normalize_answer(*answer, format));
  const metrics::Verdict v =
      answer ? metrics::explain_equal(gold, *answer, format) : metrics::Verdict{.equal = false, .rule = "no_answer"};
  fmt::print("verdict:           {}\n", v.equal ? "equal" : "not equal");
  fmt::print("rule:              {}\n", v.rule);
  fmt::print("grader:            {}\n", metrics::grader_version());
}

}  // namespace

void add_grade_command(CLI::App& app, int& /*exit_code*/) {
  CLI::App* cmd = app.add_subcommand(
      "grade",
      "Grade predicted answers against gold answers.\n"
      "Reads JSONL lines with \"gold\" and \"pred\" (a bare answer such as \\frac12 or $0.5$, or a\n"
      "whole response, which is extracted first) and writes the same lines to stdout with\n"
      "\"pred_answer\" (the answer graded, or null) and \"equal\" (true/false). A summary goes to\n"
      "stderr with the grader version. --explain adds \"rule\" (the rule that decided),\n"
      "\"gold_normalized\" and \"pred_normalized\"; --gold G --pred P explains one pair in words.");
  struct Options {
    std::string task;
    std::string mode = "flexible";
    std::string input = "-";
    bool explain = false;
    std::optional<std::string> gold, pred;
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
  cmd->add_flag("--explain", options->explain,
                "Add the deciding rule and both normalised forms to every line");
  CLI::Option* gold_option = cmd->add_option("--gold", options->gold, "Explain one pair: the gold answer");
  cmd->add_option("--pred", options->pred, "Explain one pair: the predicted answer or response")
      ->needs(gold_option);
  gold_option->needs(cmd->get_option("--pred"));
  cmd->callback([options] {
    const metrics::AnswerFormat format = task_format(options->task);
    const metrics::ExtractMode mode = extract_mode(options->mode);
    if (options->gold) {
      explain_pair(*options->gold, *options->pred, format, mode);
      return;
    }
    std::vector<JsonlRow> rows = read_jsonl_objects(options->input);
    std::vector<std::string> golds(rows.size()), preds(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      golds[i] = string_field(rows[i], options->input, "gold");
      preds[i] = string_field(rows[i], options->input, "pred");
    }
    std::vector<char> equal(rows.size(), 0);
    std::vector<std::string> rules(rows.size());
    std::vector<std::optional<std::string>> answers(rows.size());
    tbb::parallel_for(std::size_t{0}, rows.size(), [&](std::size_t i) {
      answers[i] = predicted_answer(preds[i], format, mode);
      const std::string gold = gold_answer(golds[i], format);
      if (!answers[i]) {
        rules[i] = "no_answer";
        return;
      }
      metrics::Verdict v = metrics::explain_equal(gold, *answers[i], format);
      equal[i] = v.equal;
      rules[i] = std::move(v.rule);
    });
    std::size_t n_equal = 0, n_missing = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      auto& v = rows[i].value;
      v["pred_answer"] = answers[i] ? nlohmann::ordered_json(*answers[i]) : nlohmann::ordered_json(nullptr);
      v["equal"] = equal[i] != 0;
      if (options->explain) {
        v["rule"] = rules[i];
        v["gold_normalized"] = metrics::normalize_answer(gold_answer(golds[i], format), format);
        v["pred_normalized"] = answers[i] ? nlohmann::ordered_json(metrics::normalize_answer(*answers[i], format))
                                          : nlohmann::ordered_json(nullptr);
      }
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
