// The grader version every report carries: results graded under different rules must not be
// mixed or compared without saying so. Bump kGraderVersion on ANY change to extraction or
// grading rules (metrics/extract.cc, metrics/math_*.cc, metrics/choice.cc, metrics/grade.cc) and
// add a line to the history below.
//
// History:
//   boxed-grader/1  first release: RE2 extraction (strict/flexible), LaTeX normalisation,
//                   structural comparison, exact rationals, 1e-9 relative tolerance, 3 fixed
//                   evaluation points for expressions with variables.
#pragma once

#include <string_view>

namespace boxed::metrics {

inline constexpr std::string_view kGraderVersion = "boxed-grader/1";

}  // namespace boxed::metrics
