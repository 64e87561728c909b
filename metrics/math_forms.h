// Answer spellings that need rewriting before the structural parse (math_latex.h calls these) or
// that are compared on their own (times of day). Each with the case that motivated it:
//
//   std::string s = "\\\\frac{1}{2}";  undouble_backslashes(s);     // "\\frac{1}{2}"
//   s = "\\sin(90^\\circ - x)";        degrees_in_trig(s);          // "\\sin((90\\pi/180) - x)"
//   s = "1 1/2";                       mixed_number(s);             // "1\\frac{1}{2}"
//   s = "[[1, 2], [3, 4]]";            text_matrix(s);              // a pmatrix
//   time_of_day("8:34 PM");                                         // 20 * 60 + 34
//
// - Double-escaped LaTeX, from answers copied out of JSON or Python strings: "\\\\frac{1}{2}".
//   When the text holds a doubled command (exactly two backslashes then a letter) and no
//   single-escaped one, every run of 2k backslashes becomes k (doubled row breaks become single
//   ones). Single-escaped LaTeX is left alone, including a row break right before a letter
//   ("\\begin{pmatrix}a\\\\b\\end{pmatrix}").
// - Degrees inside trigonometric functions: "\\sin(90^\\circ - x)" equals "\\cos x" only when
//   90^\\circ is pi/2. When the answer holds \\sin \\cos \\tan \\cot \\sec \\csc, a number or letter
//   followed by ^\\circ (or °) becomes (N\\pi/180); elsewhere ("106^\\circ") the degree sign is just
//   dropped by clean_latex (MATH golds write angles in degrees without it).
// - Mixed numbers written in text: "1 1/2", "-2 3/4" (the whole answer) read as 1 + 1/2, as
//   MATH's "1\\frac{1}{2}" is (Hendrycks MATH prealgebra answers).
// - Matrices and vectors written as nested brackets, as models print them from code:
//   "[[1, 2], [3, 4]]" is the 2x2 matrix (rows in order); MARIO's evaluator reads lists as
//   matrices the same way (math_evaluation/core/latex_parser.py, _list_to_mat).
// - Times of day: "20:34", "8:34 PM", "8:34 p.m.", "\\text{8:34 PM}" are minutes after midnight
//   (12 AM = 0:00, 12 PM = noon); "H:MM" needs two minute digits so ratios such as "3:4" are not
//   times.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace boxed::metrics {

void undouble_backslashes(std::string& s);
void degrees_in_trig(std::string& s);
void mixed_number(std::string& s);
void text_matrix(std::string& s);

// Minutes after midnight, or nullopt when `s` is not a time of day ("20:34", "8:34 p.m.").
std::optional<int> time_of_day(std::string_view s);
// The same for an answer as written: "$20:34$", "8:34 \\text{P.M.}" (\\text-like wrappers, "$",
// "~" and "\\ " removed first; clean_latex would drop "P.M." after a number as a unit word).
std::optional<int> time_answer(std::string_view raw);

}  // namespace boxed::metrics
