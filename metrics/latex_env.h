// The last math environment of a text: what a response without \boxed{} most likely gives as its
// answer ("... so the area is $\frac{3}{2}$."). Used by flexible extraction for MATH answers.
//
//   last_latex_env("We get $x=1$, hence $\\frac{3}{2}$.");   // "\\frac{3}{2}"
//
// Environments, as Math-Verify's parser.make_latex_env_pattern reads them (math-verify 0.9.0):
// "$$..$$" and "\\[..\\]" (may span lines), "$..$" and "\\(..\\)" (one line). An escaped "\\$" is
// a dollar sign, not a delimiter; a "$" right after a digit ("5$ each") does not open math (that
// package's (?<!\\|\d)\$). The environment that ENDS last wins (Math-Verify sorts matches of
// one priority by end position). Empty environments are skipped. Bounded: one linear scan.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace boxed::metrics {

std::optional<std::string> last_latex_env(std::string_view text);

}  // namespace boxed::metrics
