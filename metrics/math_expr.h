// A parser for the expressions that answers are made of: LaTeX as MATH solutions write it
// (after clean_latex) and the plain forms models also use ("sqrt(3)/2", "x^2+2*x+1", "1.5e3").
//
//   std::optional<Expr> e = parse_expression("\\frac{\\sqrt{3}}{2}");
//   // e->kind == ExprKind::kDiv, children: sqrt(3), 2
//
// Reading rules, each with the case that motivated it:
// - "\\frac 34", "\\frac9{19}", "\\frac43": an unbraced argument is one character (TeX rules).
// - "x^23" is x^2 * 3 (TeX: the exponent is one token); "x^{23}" is x^23.
// - "137 \\frac{1}{2}" and "1\\frac{4}{5}": an integer followed by a \frac of integers is a mixed
//   number (MATH-500 answers test/prealgebra), not a product.
// - "\\sqrt3", "\\sqrt{3}", "\\sqrt[3]{x}"; "\\sin x", "\\cot x", "\\sin^2 x", "\\log_2 8".
// - "1.2e5" / "1.2E-3" are scientific notation (digits must follow the e); "2e" is 2 times e.
// - "i" is the imaginary unit ("-2 + 7i"); other letters, Greek letters and subscripted names
//   ("a_1") are variables; "\\pi" and plain "pi" are pi; "e" (and "\\mathrm{e}") is Euler's number
//   ("e^{i\\pi}" = -1, as Math-Verify reads it); a constant compares equal to itself, so answers
//   that use e as a name still match their own spelling.
// - Implicit multiplication by juxtaposition: "2k+2", "3R^2", "11\\sqrt2".
// Bounded: at most kMaxExprNodes nodes and kMaxExprDepth nesting, else nullopt (the prediction is
// untrusted).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/math_rational.h"

namespace boxed::metrics {

// Recursion units: a parenthesis level costs about five, so ~80 levels of nesting are read.
inline constexpr int kMaxExprDepth = 400;
inline constexpr std::size_t kMaxExprNodes = 2000;

enum class ExprKind {
  kNumber,    // value
  kVariable,  // name
  kConstant,  // name: "pi", "i", "infty"
  kNeg,       // children[0]
  kAdd,       // children (n-ary)
  kMul,       // children (n-ary)
  kDiv,       // children[0] / children[1]
  kPow,       // children[0] ^ children[1]
  kRoot,      // children[0] = radicand, children[1] = degree
  kFunction,  // name(children...): sin cos tan cot sec csc arcsin arccos arctan ln log exp abs
              // factorial binom; log has an optional base as children[1]
};

struct Expr {
  ExprKind kind = ExprKind::kNumber;
  Rational value;
  std::string name;
  std::vector<Expr> children;
};

// nullopt when the text is not an expression this parser reads (the caller then compares text).
std::optional<Expr> parse_expression(std::string_view text);

// Variables used by `e`, sorted, without duplicates.
std::vector<std::string> expression_variables(const Expr& e);

// A canonical text of the parse tree, for debugging and grouping keys.
std::string to_string(const Expr& e);

}  // namespace boxed::metrics
