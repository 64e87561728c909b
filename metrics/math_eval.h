// Evaluation and comparison of parsed expressions (math_expr.h).
//
//   auto a = parse_expression("(x+1)^2"), b = parse_expression("x^2+2x+1");
//   expressions_equal(*a, *b);   // true: equal at every fixed evaluation point
//
// How values compare, and why:
// - Exact first: numbers are rationals (math_rational.h) and +, -, *, /, integer powers, perfect
//   roots ("\\sqrt{16}"), factorials and binomials stay exact while they fit in 128 bits. Two exact
//   values are equal only if identical: "0.333" is not "\\frac13", ".0000672" is not ".0000673".
// - Otherwise complex long double (pi, irrational roots, trig, logs, i, overflow). Equal when
//   |a - b| <= kRelativeTolerance * max(|a|, |b|), or both below kAbsoluteTolerance. 1e-9 accepts
//   a 10-significant-digit decimal for "\\frac{\\sqrt2}{2}" and rejects the 3- to 6-digit roundings
//   models write in passing ("1.414" for "\\sqrt2"); long double carries ~19 digits so genuine
//   equalities ("\\frac{\\sqrt3}{2}" vs "\\sqrt{0.75}") stay far inside it.
// - Expressions with variables: both sides are evaluated at kNumPoints fixed assignments (each
//   variable gets a different rational per point, chosen from a fixed table by the variable's
//   rank, so grading is deterministic) and must agree at every point where either is defined.
//   Polynomials and rational functions are evaluated exactly at rational points, so identical
//   ones are equal whatever their written form and different ones are told apart exactly
//   (a nonzero polynomial of degree < 2^100 vanishes at three generic rationals only by design
//   accident).
#pragma once

#include <complex>
#include <map>
#include <optional>
#include <string>

#include "metrics/math_expr.h"
#include "metrics/math_rational.h"

namespace boxed::metrics {

inline constexpr long double kRelativeTolerance = 1e-9L;
inline constexpr long double kAbsoluteTolerance = 1e-12L;
inline constexpr int kNumPoints = 3;

struct Value {
  std::complex<long double> z;
  std::optional<Rational> exact;  // set while the value is known exactly (real rational)
};

using Assignment = std::map<std::string, Rational>;

// nullopt when undefined (division by zero, log of 0, a non-finite result, factorial of -1).
std::optional<Value> evaluate(const Expr& e, const Assignment& vars);

// Exact when both are exact, else within the tolerances above.
bool values_equal(const Value& a, const Value& b);

// The fixed value of the `variable_index`-th variable (in sorted order of the names of both
// sides) at evaluation point `point` (0 <= point < kNumPoints).
Rational point_value(int variable_index, int point);

// True when the two expressions are equal as numbers or as functions of their variables.
bool expressions_equal(const Expr& a, const Expr& b);

// True when a and b are nonzero multiples of each other at every point: for equations
// "2x+2y=2" vs "x+y=1" (lhs - rhs compared up to a constant factor).
bool expressions_proportional(const Expr& a, const Expr& b);

}  // namespace boxed::metrics
