// Relations read as the sets of values they allow, so that every spelling of one set compares
// equal (math_structure.h compares the resulting intervals and unions):
//
//   parse_relation("x \\geq 5");        // [5, \infty)      also "5 \\leq x", "x >= 5" (cleaned)
//   parse_relation("-x > -1");          // (-\infty, 1)     a linear side is solved for its variable
//   parse_relation("-2 \\leq x < 7");   // [-2, 7)
//   parse_relation("x \\neq 3");        // (-\infty, 3) \cup (3, \infty)
//
// Rules, each with the case that motivated it:
// - One relation with a lone variable on one side: "x > 3", "3 < x" (MATH intervals such as
//   "(3, \\infty)" as golds, "x > 3" as predictions).
// - One relation whose sides are linear in one variable: solved exactly over the rationals
//   ("2x + 1 > 5" is x > 2; "-x > -1" is x < 1: dividing by a negative coefficient flips it).
//   Linearity is checked at four points; a non-linear side ("x^2 > 4") is not turned into a set.
// - A chain "a < x < b" / "b > x > a" with the variable in the middle and both relations pointing
//   the same way.
// - "x \\neq c" is the real line without c (MARIO's evaluator reads "!=" as a relation too,
//   math_evaluation/core/latex_parser.py; here it becomes the union of two open intervals).
// Text is the output of clean_latex (\\le, \\ge, >=, <=, != already spelled \\leq, \\geq, \\neq).
#pragma once

#include <optional>
#include <string_view>

#include "metrics/math_structure.h"

namespace boxed::metrics {

std::optional<Answer> parse_relation(std::string_view s);

Answer expr_answer(Expr e);

}  // namespace boxed::metrics
