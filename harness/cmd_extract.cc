// `boxed extract`: what did each response answer? JSONL with "text" in; the same lines out with
// "answer" (string or null), "source", "from_thinking" and "normalized" added.
#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <iostream>

#include "harness/answer_jsonl.h"
#include "harness/commands.h"
#include "metrics/extract.h"
#include "metrics/grade.h"

namespace boxed::harness {

void add_extract_command(CLI::App& app, int& /*exit_code*/) {
  CLI::App* cmd = app.add_subcommand(
      "extract",
      "Extract the final answer from model responses.\n"
      "Reads JSONL lines with a \"text\" field (a whole response, reasoning included) and writes\n"
      "the same lines to stdout with \"answer\" (the text exactly as written inside the last\n"
      "\\boxed{} or after the answer marker, or null), \"source\" (none|boxed|marker|latex|\n"
      "last_number|choice_pattern|choice_line|choice_sentence), \"from_thinking\" (true when the answer was found only before </think>)\n"
      "and \"normalized\" (a canonical form for grouping).");
  struct Options {
    std::string task;
    std::string mode = "strict";
    std::string input = "-";
  };
  auto options = std::make_shared<Options>();
  cmd->add_option("--task", options->task,
                  "Answer format: math (MATH-style LaTeX), aime (integer), gpqa (letter A-J)")
      ->required();
  cmd->add_option("--mode", options->mode,
                  "strict: \\boxed{} only; flexible: boxed, else \"final answer is\"/\"Answer:\", else "
                  "(aime) the last number, (gpqa) \"the answer is (C)\" or **C**")
      ->capture_default_str();
  cmd->add_option("input", options->input, "JSONL file to read, or - for stdin")
      ->capture_default_str();
  cmd->callback([options] {
    const metrics::AnswerFormat format = task_format(options->task);
    const metrics::ExtractMode mode = extract_mode(options->mode);
    std::vector<JsonlRow> rows = read_jsonl_objects(options->input);
    std::vector<std::string> texts(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) texts[i] = string_field(rows[i], options->input, "text");
    tbb::parallel_for(std::size_t{0}, rows.size(), [&](std::size_t i) {
      const metrics::Extraction e = metrics::extract_answer(texts[i], format, mode);
      auto& v = rows[i].value;
      v["answer"] = e.answer ? nlohmann::ordered_json(*e.answer) : nlohmann::ordered_json(nullptr);
      v["source"] = std::string(metrics::to_string(e.source));
      v["from_thinking"] = e.from_thinking;
      if (e.answer) v["normalized"] = metrics::normalize_answer(*e.answer, format);
    });
    std::size_t n_found = 0;
    for (const JsonlRow& row : rows) {
      std::cout << row.value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
      n_found += row.value["answer"].is_null() ? 0 : 1;
    }
    std::cout.flush();
    fmt::print(stderr, "extract: {} of {} responses have an answer ({} mode, {})\n", n_found,
               rows.size(), options->mode, metrics::grader_version());
  });
}

}  // namespace boxed::harness
