#include "metrics/grade.h"

#include <tbb/parallel_for.h>

#include "metrics/choice.h"
#include "metrics/grader_version.h"
#include "metrics/math_equiv.h"
#include "metrics/math_latex.h"
#include "metrics/math_rational.h"

namespace boxed::metrics {
namespace {

// AIME-style: "025" = "25" = "25.0" = "\\boxed{25}" = "$25$"; "1,000" = "1000". Both sides are
// cleaned as MATH answers are, then compared as exact decimals; anything that is not a plain
// number ("\\frac{50}{2}") falls back to MATH equivalence.
std::optional<Rational> plain_number(std::string_view answer) {
  std::string text = clean_latex(answer).text;
  std::string compact;
  for (char c : text) {
    if (c != ' ') compact += c;
  }
  if (!compact.empty() && compact[0] == '+') compact.erase(0, 1);
  return Rational::parse_decimal(compact);
}

bool integer_equal(std::string_view gold, std::string_view pred, std::string* rule) {
  if (trim(pred).empty() || pred.size() > kMaxAnswerBytes) {
    if (rule) *rule = "empty_answer";
    return false;
  }
  auto g = plain_number(gold);
  auto p = plain_number(pred);
  if (g && p) {
    if (rule) *rule = *g == *p ? "integer_exact" : "integer_mismatch";
    return *g == *p;
  }
  return math_equal(gold, pred, rule);
}

bool choice_equal(std::string_view gold, std::string_view pred, std::string* rule) {
  auto g = parse_choice(gold, /*allow_lower=*/true);
  auto p = parse_choice(pred, /*allow_lower=*/true);
  if (rule) *rule = g && p ? "choice_letter" : "choice_unreadable";
  return g && p && *g == *p;
}

}  // namespace

bool answers_equal(std::string_view gold, std::string_view pred, AnswerFormat format) {
  switch (format) {
    case AnswerFormat::kMath: return math_equal(gold, pred);
    case AnswerFormat::kInteger: return integer_equal(gold, pred, nullptr);
    case AnswerFormat::kChoice: return choice_equal(gold, pred, nullptr);
  }
  return false;
}

Verdict explain_equal(std::string_view gold, std::string_view pred, AnswerFormat format) {
  Verdict v;
  switch (format) {
    case AnswerFormat::kMath: v.equal = math_equal(gold, pred, &v.rule); break;
    case AnswerFormat::kInteger: v.equal = integer_equal(gold, pred, &v.rule); break;
    case AnswerFormat::kChoice: v.equal = choice_equal(gold, pred, &v.rule); break;
  }
  return v;
}

std::string normalize_answer(std::string_view answer, AnswerFormat format) {
  switch (format) {
    case AnswerFormat::kMath:
      return math_normalize(answer);
    case AnswerFormat::kInteger:
      if (auto n = plain_number(answer)) return n->to_string();
      return math_normalize(answer);
    case AnswerFormat::kChoice:
      if (auto c = parse_choice(answer, /*allow_lower=*/true)) return std::string(1, *c);
      return std::string(trim(answer));
  }
  return std::string(trim(answer));
}

std::string_view grader_version() { return kGraderVersion; }

std::vector<GradeResult> grade_batch(std::span<const GradeItem> items, AnswerFormat format,
                                     ExtractMode mode) {
  std::vector<GradeResult> results(items.size());
  // Each item is independent and writes only its own slot, so the result does not depend on the
  // partition or thread count.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, items.size(), 16),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t i = range.begin(); i != range.end(); ++i) {
                        GradeResult& r = results[i];
                        r.extraction = extract_answer(items[i].response, format, mode);
                        if (!r.extraction.answer) {
                          r.rule = "no_answer";
                          continue;
                        }
                        Verdict v = explain_equal(items[i].gold, *r.extraction.answer, format);
                        r.equal = v.equal;
                        r.rule = std::move(v.rule);
                      }
                    });
  return results;
}

}  // namespace boxed::metrics
