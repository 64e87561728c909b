// The numeric tolerance policy of each grader, stated in one place, with the choices of the
// reference graders beside it. The rules are applied in math_eval.cc (tolerance) and
// math_structure.cc (rounded decimals); this header is their manual and owns the constants.
//
// Per task (the task spec names its grader, datasets/):
//
//   grader       tasks               policy
//   -----------  ------------------  ----------------------------------------------------------
//   integer      aime24, aime25      exact: both sides as exact decimals ("025" = "25" = "25.0");
//                                    no tolerance at all ("24.9999" is wrong). An answer that is
//                                    not a plain number falls back to math_equiv.
//   math_equiv   math500, amc23      exact rationals first (128-bit): "0.333" is not 1/3.
//                                    Irrational values (roots, pi, logs, trig) in long double:
//                                    equal within kRelativeTolerance = 1e-9 relative (or both
//                                    below kAbsoluteTolerance = 1e-12), i.e. ~10 significant digits.
//                                    A decimal with kMinRoundedPlaces (6) or more places equals a
//                                    non-terminating gold (1/3, sqrt2, pi) when it IS the gold
//                                    rounded half-up or truncated at its own number of places:
//                                    "0.333333", "1.414214", "1.4142135" yes; "1.414", "1.41421",
//                                    "3.141594" no. Expressions with variables: exact at 3 fixed
//                                    rational points when rational, else within the tolerance.
//   choice       gpqa_diamond        exact letter.
//
// So: does "1.414" match \sqrt2? No, under every boxed grader. A model that rounds to 3 places
// has not given the exact answer MATH asks for ("Express your answer in simplest radical form").
//
// The reference graders (read from their sources):
// - Math-Verify 0.9.0 (grader.py verify, sympy_numeric_eq): float_rounding=6 — when either side
//   is a Float, BOTH are rounded to 6 decimal places and compared, so "1.414214" = sqrt2 and
//   "1.41421" != sqrt2; otherwise symbolic/`evalf(n=numeric_precision=15)` equality. Rounding
//   both sides also accepts some near misses (3.1415926 vs 3.1415929 both round to 3.141593),
//   which boxed's "the prediction must be the rounding of the gold" does not.
// - Qwen2.5-Math (evaluation/grader.py math_equal): numeric_equal = isclose(rel_tol=1e-4), after
//   also trying x/100 and x*100 (include_percentage): "1.4142" = sqrt2, "1.414" != sqrt2 (rel
//   error 1.5e-4); symbolic_equal compares N() values with abs_tol 1e-3 in some forks.
// - MARIO_EVAL (math_evaluation/core/constants.py EPSILON = 1e-3, latex_parser.py
//   _are_equal_latex_sympy): |gold - pred| < 1e-3 when the gold is an integer, has free symbols
//   or |gold| >= 1, else relative 1e-3: "1.414" = sqrt2 there.
// boxed is the strictest of the four on short roundings, by design: with 1e-3 or 1e-4 tolerance
// a model earns credit for an approximate answer to an exact-answer benchmark, and a 500-problem
// run can differ by whole points between graders (tools/math_verify/results.md lists them).
#pragma once

namespace boxed::metrics {

// Fewest decimal places for a decimal to count as a rounding of a non-terminating gold.
// Math-Verify's default float_rounding.
inline constexpr int kMinRoundedPlaces = 6;

}  // namespace boxed::metrics
