// LaTeX normalisation for grading: turns an answer as a model (or a dataset) writes it into a
// plain, canonical LaTeX-ish string that the structural parser (math_structure.h) reads.
//
//   CleanAnswer c = clean_latex("$\\dfrac{1}{2}\\,\\text{ cm}.$");   // c.text == "\\frac{1}{2}"
//
// What it removes or rewrites, each with the case that motivated it (examples from MATH-500
// answers, /work/shared/datasets/math500, and from R1-distill responses):
// - math delimiters "$..$", "\\(..\\)", "\\[..\\]" and an outer \boxed{}/\fbox{}: models write
//   "$\\boxed{5}$" and "\\boxed{\\boxed{5}}".
// - \left \right \big..: "\\left( 3, \\frac{\\pi}{2} \\right)".
// - \dfrac \tfrac \cfrac -> \frac, \dbinom \tbinom -> \binom: "\\dfrac{17}{50}".
// - spacing \! \, \; \: \quad ~: "10,\\!080" (the \! is removed outright so the digit groups join).
// - \text{} \mbox{} \mathrm{} \textbf{} ... are unwrapped; when their content is words that follow
//   some math it is a unit and dropped: "5.4 \\text{ cents}", "15\\mbox{ cm}^2",
//   "\\frac{270}7\\text{ degrees}"; "or"/"and" between answers become commas:
//   "x=1 \\text{ or } x=-2".
// - bare unit words after a number ("5 cm^2", "18 dollars"), from the list in math_latex.cc.
// - ^\circ and ° (degrees): "106^\\circ"; \% and % (percent, flagged); \$ (dollars).
// - a trailing period ("5." at the end of a sentence).
// - thousands separators when the whole answer is one grouped number: "58,500", "11,111,111,100";
//   "1,-2" and "3, 5, 7" are lists, not numbers.
// - base subscripts on numerals: "204_5" and "4210_{5}" compare by their digits.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace boxed::metrics {

struct CleanAnswer {
  std::string text;
  bool percent = false;  // a % sign was removed: "50\\%"
};

CleanAnswer clean_latex(std::string_view answer);

// Index of the brace that closes the one at `open` (text[open] == '{'), or npos when it is not
// closed, nesting goes deeper than `max_depth`, or it closes past `open + max_length`.
std::size_t matching_brace(std::string_view text, std::size_t open, int max_depth = 64,
                           std::size_t max_length = std::string_view::npos);

// Removes surrounding whitespace.
std::string_view trim(std::string_view text);

}  // namespace boxed::metrics
