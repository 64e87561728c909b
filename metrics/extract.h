// Answer extraction: what did the model answer? Takes a whole response (reasoning + final part)
// and returns the answer text exactly as written inside the last \boxed{} / \fbox{}, after an
// "Answer:" / "final answer is" marker, or (integer tasks, flexible mode) the last number.
//
//   Extraction e = extract_answer("<think>...</think> So \\boxed{\\frac{1}{2}}.",
//                                 AnswerFormat::kMath, ExtractMode::kStrict);
//   // e.answer == "\\frac{1}{2}", e.source == AnswerSource::kBoxed, e.from_thinking == false
//
// Rules (each with the case that motivated it):
// - The answer lives after the last "</think>". R1-distill chat templates emit "<think>\n" in the
//   prompt, so responses often hold "</think>" with no opening tag (DeepSeek-R1 model card, Usage
//   Recommendations). When nothing is found after "</think>", the whole text is searched and
//   `from_thinking` is set. A response with "<think>" and no "</think>" (truncated) is searched
//   whole and marked `from_thinking`.
// - Priority in flexible mode, first found wins (the source is recorded per sample):
//     MATH:    box, marker, last math environment ($..$, \(..\), \[..\]), last plain number;
//     integer: box, marker, last plain number;
//     choice:  box, marker/bold letter (any language), first-line option, last-sentence letter.
//   Math-Verify's parser (math-verify 0.9.0, parser.py lazy_latex_regex / lazy_expr_regex) uses
//   the same order for the first three (boxed and "final answer is" at priority 0-50, "answer"
//   markers at 100-200, bare LaTeX at 300) but lets a bare number compete with bare LaTeX by end
//   position at priority 300; here LaTeX goes first so "$x = 3$ for all 2 cases" reads "x = 3".
// - strict: only \boxed{..}, \boxed {..}, \boxed 5, \fbox{..}; the last complete one wins (models
//   often box intermediate results before the final answer). Boxes separated only by spaces,
//   commas, "$" or "and" ("\boxed{1} and \boxed{-2}") are one answer of several parts, returned
//   joined with ", " (Math-Verify reads "\boxed{1}\boxed{2}" the same way).
// - Choice (GPQA): a letter A-D from \boxed{C}, \boxed{\text{C}}, \boxed{(C)}, then the rules of
//   find_choice (choice.h): "Answer: C", "答案：C", "the answer is (C)", "**C**", "(D) Alina",
//   "therefore I think it's B"; the English article "a" is never the letter A, and an ambiguous
//   answer ("B or C") is no answer (the thinking part is then not searched either).
// - Bounded work, linear in the input: a memchr scan finds "\\boxed"/"\\fbox" candidates, a
//   small scanner balances braces (a regular expression cannot) with a depth cap (kMaxBraceDepth)
//   and an answer-length cap (kMaxAnswerBytes), and each box is scanned at most up to the next
//   unclosed one; RE2 (linear time) finds markers, numbers and choice letters. 1 MB of adversarial
//   text costs milliseconds (tests/bench/answer_bench.cc).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace boxed::metrics {

enum class AnswerFormat { kMath, kInteger, kChoice };  // MATH-style, AIME-style integer, GPQA letter
enum class ExtractMode { kStrict, kFlexible };
enum class AnswerSource {
  kNone,
  kBoxed,
  kMarker,
  kLatex,           // flexible MATH: the last math environment
  kLastNumber,
  kChoicePattern,   // choice: an answer marker (any language) or a bold letter
  kChoiceLine,      // choice: the first line is a letter and its option text
  kChoiceSentence,  // choice: the one letter of the last sentence
};

// "none", "boxed", "marker", "latex", "last_number", "choice_pattern", "choice_line",
// "choice_sentence".
std::string_view to_string(AnswerSource source);
// "strict", "flexible".
std::string_view to_string(ExtractMode mode);

// Longest answer kept: a box whose content runs past this is treated as unterminated (a truncated
// response or garbage), not as an answer. MATH-500 answers are at most ~150 bytes.
inline constexpr std::size_t kMaxAnswerBytes = 4096;
// Deepest brace nesting followed inside a box; deeper content is rejected.
inline constexpr int kMaxBraceDepth = 64;

struct Extraction {
  // Text exactly as written inside the box / after the marker, trimmed (joined boxes: ", "
  // between their contents; choice format: the letter alone).
  std::optional<std::string> answer;
  AnswerSource source = AnswerSource::kNone;
  bool from_thinking = false;  // found only in the thinking part (no answer after </think>)
};

Extraction extract_answer(std::string_view response, AnswerFormat format, ExtractMode mode);

}  // namespace boxed::metrics
