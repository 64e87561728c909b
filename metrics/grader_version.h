// The grader version every report carries: results graded under different rules must not be
// mixed or compared without saying so. Bump kGraderVersion on ANY change to extraction or
// grading rules (metrics/extract.cc, metrics/math_*.cc, metrics/choice.cc, metrics/grade.cc) and
// add a line to the history below.
//
// History:
//   boxed-grader/1  first release: RE2 extraction (strict/flexible), LaTeX normalisation,
//                   structural comparison, exact rationals, 1e-9 relative tolerance, 3 fixed
//                   evaluation points for expressions with variables.
//   boxed-grader/2  the long tail (issue 12): flexible MATH extraction from the last math
//                   environment / last number; choice letters quoted, with option text, in a last
//                   sentence, after markers in 20 languages, ambiguity = no answer; relations as
//                   value sets (linear sides solved, x != c); f(x)= definitions; degrees inside
//                   trig; mixed numbers; times of day; text matrices and bracket vectors;
//                   double-escaped LaTeX; irrational golds vs correctly rounded 6+ place decimals.
//   boxed-grader/3  an unbraced box ("\boxed 5") ends where the next box command begins (found by
//                   fuzzing: "\boxed\boxed5" was the answer "\boxed5, 5"; "\boxed 3\boxed 4" is now
//                   "3, 4" like "\boxed{3}\boxed{4}").
#pragma once

#include <string_view>

namespace boxed::metrics {

inline constexpr std::string_view kGraderVersion = "boxed-grader/3";

}  // namespace boxed::metrics
