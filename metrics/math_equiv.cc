#include "metrics/math_equiv.h"

#include <algorithm>

#include "metrics/extract.h"
#include "metrics/math_forms.h"
#include "metrics/math_latex.h"
#include "metrics/math_structure.h"

namespace boxed::metrics {

bool math_equal(std::string_view gold, std::string_view pred, std::string* rule) {
  auto decided = [&](std::string_view name, bool equal) {
    if (rule) *rule = name;
    return equal;
  };
  gold = trim(gold);
  pred = trim(pred);
  if (pred.empty() || gold.empty()) return decided("empty_answer", false);
  if (pred.size() > kMaxAnswerBytes) return decided("answer_too_long", false);
  if (gold == pred) return decided("identical_text", true);
  // Times of day compare as minutes after midnight: "20:34" = "8:34 PM" (math_forms.h).
  if (const std::optional<int> gold_time = time_answer(gold)) {
    const std::optional<int> pred_time = time_answer(pred);
    return decided("time_of_day", pred_time && *pred_time == *gold_time);
  }
  const CleanAnswer g = clean_latex(gold);
  const CleanAnswer p = clean_latex(pred);
  if (p.text.empty()) return decided("empty_after_cleaning", false);
  if (g.text == p.text) return decided("same_cleaned_text", true);
  MatchWhy why;
  const bool equal = answers_match(parse_answer(g.text), parse_answer(p.text), g.percent, rule ? &why : nullptr);
  if (rule) {
    rule->assign(why.shape.empty() ? std::string_view("structure") : why.shape);
    if (!why.value.empty()) rule->append(1, '/').append(why.value);
  }
  return equal;
}

std::string math_normalize(std::string_view answer) {
  answer = trim(answer);
  if (answer.size() > kMaxAnswerBytes) return std::string(answer);
  const CleanAnswer c = clean_latex(answer);
  return canonical_text(parse_answer(c.text));
}

}  // namespace boxed::metrics
