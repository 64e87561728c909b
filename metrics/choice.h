// Multiple-choice letters (GPQA: A-D; MMLU-Pro style up to J) as models write them.
//
//   parse_choice("\\text{(C)}", /*allow_lower=*/true);   // 'C'
//   parse_choice("c", /*allow_lower=*/false);            // nullopt
#pragma once

#include <optional>
#include <string_view>

namespace boxed::metrics {

// The letter when `text` is one choice: "C", "(C)", "C.", "C)", "\\text{C}", "\\textbf{(C)}",
// "C) 42 m/s" (a letter followed by ")" or "." and the option text). Lower case only when
// `allow_lower` (inside a box the letter is unambiguous; in running text "a" is an article).
std::optional<char> parse_choice(std::string_view text, bool allow_lower);

}  // namespace boxed::metrics
