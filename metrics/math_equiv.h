// MATH-style answer equivalence: the trusted gold against an untrusted predicted answer (an
// extracted answer, not a whole response).
//
//   math_equal("\\frac{\\sqrt{3}}{2}", "\\sqrt3/2");          // true
//   math_equal("(-\\infty, 0]", "(-\\infty, 0)");             // false: closed vs open
//   math_equal("x^2+2x+1", "(x+1)^2");                        // true
//
// Steps: clean_latex (math_latex.h: delimiters, \left/\right, \dfrac, spacing, \text, units,
// degrees, percent, thousands separators), then parse_answer (math_structure.h: tuples,
// intervals, sets, lists, unions, matrices, equations, choice letters, text), then compare shapes
// and values (math_eval.h: exact rationals, else a 1e-9 relative tolerance; variables at fixed
// points). Asymmetry — the gold is trusted, the prediction is not:
// - the prediction is capped (kMaxAnswerBytes) and parsed with node and depth limits;
// - a prediction that hedges ("2 or 3", "\\{2, 3\\}") does not match a one-value gold "2";
// - a predicted equation is read by the value after its last "=" ("k = \\frac13", "2 + 3 = 5"
//   match gold "\\frac13" and "5"), but a gold equation is reduced to its right side only when its
//   left side is a lone variable (gold "y = 2x + 3" accepts "2x + 3"; gold "x + y = 5" needs an
//   equation);
// - the gold's % sign lets the prediction give either 50 or 0.5; a predicted % is just dropped.
#pragma once

#include <string>
#include <string_view>

namespace boxed::metrics {

// `rule`, when given, receives the rule that decided: "identical_text", "same_cleaned_text",
// "time_of_day", or the structural rule and the value rule of math_structure.h joined by "/"
// ("interval_or_tuple/exact_rational", "value/decimal_rounding_of_irrational").
bool math_equal(std::string_view gold, std::string_view pred, std::string* rule = nullptr);

// Canonical text for display and grouping keys: "0.5" and "\\frac12" both give "1/2".
std::string math_normalize(std::string_view answer);

}  // namespace boxed::metrics
