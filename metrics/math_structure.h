// The shape of a math answer: a number or expression, a tuple or interval, a set, a bare list of
// solutions, a union of intervals, a matrix, an equation, a multiple-choice letter, or text; and
// the comparison of a trusted gold shape with an untrusted predicted one.
//
//   Answer g = parse_answer(clean_latex("(1,2)").text);      // kTuple '(' ')' [1, 2]
//   Answer p = parse_answer(clean_latex("\\{1,2\\}").text);  // kSet [1, 2]
//   answers_match(g, p, false);                              // false: order vs no order
//
// Rules, each with the case that motivated it:
// - Brackets matter: "(2,4)" vs "[2,4]" vs "(2,4]" are different (open vs closed intervals);
//   "(1,2)" (ordered pair or interval) is not "\\{1,2\\}" (set), and not the bare list "1, 2".
// - Tuples compare in order, sets and bare lists ("-2,1", "3, 5, 7": "enter all solutions
//   separated by commas") in any order, and a set matches a bare list ("\\{1\\pm\\sqrt5,-2\\}").
// - "\\pm" expands into the two solutions: "1 \\pm \\sqrt{19}" equals "1+\\sqrt{19}, 1-\\sqrt{19}".
// - "\\cup" joins intervals in any order: "(-\\infty, 2) \\cup (3, \\infty)".
// - Function definitions: "f(x) = 2x+3" names its value like "y = 2x+3" (its left side is read as
//   one variable "f(x)"), so it matches "2x+3", "y = 2x+3" and "f(x)=2x+3" (MARIO:
//   type_evaluations.py is_equiv_function takes the right side of f(x)=, y=, g^{-1}(x)=).
// - Equations "y = 2x + 3": against an equation, both sides equal or lhs - rhs proportional
//   ("5x - 7y + 11z + 4 = 0" vs "10x - 14y + 22z + 8 = 0"). A predicted equation against a
//   non-equation gold compares by its last right side ("x=5", "2+3=5" vs "5"); a gold equation
//   against a non-equation only when its left side is a lone variable ("y = 2x+3" vs "2x+3").
// - Plain braces around a comma list are a set: "{-2021, 2021}" (Math-Verify's reading).
//   "x \\in [-2,7]" compares as "[-2,7]"; relations as the sets they allow (math_relations.h):
//   "x > 3" as "(3, \\infty)", "a \\le x < b" as "[a, b)", "-x > -1" as "(-\\infty, 1)",
//   "x \\neq 3" as "(-\\infty,3) \\cup (3,\\infty)".
// - A column or row vector "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}" equals the tuple "(1, 2)" and
//   the bracket list "[1, 2]" (a vector, since the gold is one); matrices otherwise compare by
//   shape and entries, "[[1, 2], [3, 4]]" being a matrix (math_forms.h).
// - Choice letters: "\\text{(C)}", "(C)", "C" are the same letter.
// - Text (a word of 3+ letters that is not a function: "\\text{Evelyn}", "east"): compared
//   case-insensitively, ignoring spaces and punctuation.
// - A one-element set or list equals its element ("\\{5\\}" vs "5").
// - Percent: when the gold had "%", the prediction may give the percentage or the fraction
//   ("50\\%" vs "50" or "0.5").
// - A decimal with 6+ places against a non-terminating rational gold is equal when it is the
//   gold rounded or truncated at that many places ("0.333333", "4.666666666666667" vs 1/3, 14/3);
//   shorter roundings are not ("0.333", "4.6667"). Six places: Math-Verify's default
//   float_rounding. The same holds for irrational golds: "1.414214" and "1.41421356" are
//   \\sqrt2 rounded, "1.414" is not (the whole numeric policy: metrics/numeric_policy.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/math_expr.h"

namespace boxed::metrics {

enum class AnswerKind { kExpr, kText, kChoice, kTuple, kSet, kList, kUnion, kMatrix, kEquation };

struct Answer {
  AnswerKind kind = AnswerKind::kText;
  std::string text;           // kText: lower-case letters and digits; kChoice: the letter
  std::optional<Expr> expr;   // kExpr
  char open = 0, close = 0;   // kTuple: '(' or '[' and ')' or ']'
  std::vector<Answer> items;  // elements; kEquation: {lhs, rhs}; kMatrix: row-major cells
  int n_rows = 0, n_cols = 0; // kMatrix
};

// `text` is the output of clean_latex.
Answer parse_answer(std::string_view text);

// Which rules decided a comparison (static strings), for `boxed grade --explain` and the `rule`
// of samples.jsonl: `shape` is the outermost structural rule ("interval_or_tuple",
// "unordered_elements", "pred_equation_value", "function_definition_rhs", "vector_as_tuple",
// "value", ...), `value` the last value comparison reached ("exact_rational",
// "numeric_tolerance", "function_at_points", "decimal_rounding_of_fraction",
// "decimal_rounding_of_irrational", "percent_as_fraction", "infinity", "equation_proportional").
struct MatchWhy {
  std::string_view shape;
  std::string_view value;
};

// Is `pred` equal to the trusted `gold`? `gold_percent`: the gold carried a % sign. `why`, when
// given, receives the deciding rules.
bool answers_match(const Answer& gold, const Answer& pred, bool gold_percent, MatchWhy* why = nullptr);

// A canonical text for display and grouping keys.
std::string canonical_text(const Answer& a);

}  // namespace boxed::metrics
