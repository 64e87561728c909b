#include "metrics/math_equiv.h"

#include <algorithm>

#include "metrics/extract.h"
#include "metrics/math_latex.h"
#include "metrics/math_structure.h"

namespace boxed::metrics {

bool math_equal(std::string_view gold, std::string_view pred) {
  gold = trim(gold);
  pred = trim(pred);
  if (pred.empty() || pred.size() > kMaxAnswerBytes || gold.empty()) return false;
  if (gold == pred) return true;
  const CleanAnswer g = clean_latex(gold);
  const CleanAnswer p = clean_latex(pred);
  if (p.text.empty()) return false;
  if (g.text == p.text) return true;
  return answers_match(parse_answer(g.text), parse_answer(p.text), g.percent);
}

std::string math_normalize(std::string_view answer) {
  answer = trim(answer);
  if (answer.size() > kMaxAnswerBytes) return std::string(answer);
  const CleanAnswer c = clean_latex(answer);
  return canonical_text(parse_answer(c.text));
}

}  // namespace boxed::metrics
