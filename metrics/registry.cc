#include "metrics/registry.h"

#include <array>
#include <utility>

#include "metrics/grade.h"

namespace boxed::metrics {
namespace {

// Names as dataset task specs write them (datasets/ names its extractor and grader by string,
// HOUSE_STYLE.md "The shape of the program").
constexpr std::array<std::pair<std::string_view, AnswerFormat>, 3> kExtractors = {{
    {"math", AnswerFormat::kMath},
    {"integer", AnswerFormat::kInteger},
    {"choice", AnswerFormat::kChoice},
}};
constexpr std::array<std::pair<std::string_view, AnswerFormat>, 3> kGraders = {{
    {"math_equiv", AnswerFormat::kMath},
    {"integer", AnswerFormat::kInteger},
    {"choice", AnswerFormat::kChoice},
}};
// `boxed extract|grade --task`: AIME answers are integers 0-999, MATH-500 answers are LaTeX,
// GPQA answers are letters.
constexpr std::array<std::pair<std::string_view, AnswerFormat>, 3> kTasks = {{
    {"math", AnswerFormat::kMath},
    {"aime", AnswerFormat::kInteger},
    {"gpqa", AnswerFormat::kChoice},
}};

template <std::size_t N>
std::optional<AnswerFormat> lookup(const std::array<std::pair<std::string_view, AnswerFormat>, N>& table,
                                   std::string_view name) {
  for (const auto& [n, format] : table) {
    if (n == name) return format;
  }
  return std::nullopt;
}

template <std::size_t N>
std::vector<std::string> names(const std::array<std::pair<std::string_view, AnswerFormat>, N>& table) {
  std::vector<std::string> out;
  for (const auto& entry : table) out.emplace_back(entry.first);
  return out;
}

}  // namespace

std::optional<Extractor> find_extractor(std::string_view name) {
  auto format = lookup(kExtractors, name);
  if (!format) return std::nullopt;
  return Extractor([f = *format](std::string_view response, ExtractMode mode) {
    return extract_answer(response, f, mode);
  });
}

std::optional<Grader> find_grader(std::string_view name) {
  auto format = lookup(kGraders, name);
  if (!format) return std::nullopt;
  return Grader([f = *format](std::string_view gold, std::string_view pred) {
    return answers_equal(gold, pred, f);
  });
}

std::optional<Explainer> find_explainer(std::string_view name) {
  auto format = lookup(kGraders, name);
  if (!format) return std::nullopt;
  return Explainer([f = *format](std::string_view gold, std::string_view pred) {
    return explain_equal(gold, pred, f);
  });
}

std::vector<std::string> extractor_names() { return names(kExtractors); }
std::vector<std::string> grader_names() { return names(kGraders); }
std::optional<AnswerFormat> format_for_task(std::string_view task) { return lookup(kTasks, task); }
std::vector<std::string> task_format_names() { return names(kTasks); }

}  // namespace boxed::metrics
